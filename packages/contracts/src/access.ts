/**
 * Who may call an HTTP route (issue 7 item 2). Each controller declares it with these decorators;
 * the app's global guard enforces it. They live here, beside the message contracts, because the
 * services declare the rules and the app enforces them, and neither may import the other.
 * Plain functions and a WeakMap, so the services need nothing beyond what they already use.
 */
export const ROLES = ['clinician', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * How a route touches patient data, so a clinician sees only the patients of their wards and each
 * read lands in the access log. `param`/`query` name where the request names a patient (checked
 * before the handler); `response` says where the answer names them (checked or filtered after).
 */
export interface PatientScope {
  /** a route parameter holding a patient id, e.g. `id` in `/api/patients/:id` */
  readonly param?: string;
  /** a query parameter that narrows a list to one patient, e.g. `?patientId=` */
  readonly query?: string;
  /** a route parameter naming a record that belongs to a patient, looked up before the handler runs */
  readonly owner?: { readonly param: string; readonly of: PatientOwnedRecord };
  /**
   * `one`: the body has a `patientId` (refused when it is not in the caller's wards);
   * `list`: the body is an array of items with a `patientId` (filtered);
   * `events`: a stream of `{ data: { patientId } }` events (filtered);
   * `{ listKey }`: the body is an object whose `listKey` array holds items with a `patientId` (filtered);
   * `{ oneAt }`: the body's `oneAt` object has the `patientId`, e.g. a receipt's `reading` (refused like `one`);
   * `none`: the body names no patient beyond the parameter.
   */
  readonly response: 'one' | 'list' | 'events' | 'none' | { readonly listKey: string } | { readonly oneAt: string };
}

/** Records whose patient the app can look up by id (so a write is refused before it happens). */
export type PatientOwnedRecord = 'alert' | 'dispatch';

export interface AccessRule {
  /** no sign-in needed: health probes, the sign-in route, the API description */
  readonly public?: boolean;
  /** roles allowed; admin is always allowed on non-public routes (it manages the system) */
  readonly roles?: readonly Role[];
  readonly patient?: PatientScope;
}

/** What the guard leaves on the request for the handlers and the access log. */
export interface AccessPrincipal {
  readonly username: string;
  readonly role: Role;
  readonly wards: readonly string[];
  /** `session` for a signed-in user, `admin-token` for the ADMIN_API_TOKEN bearer */
  readonly via: 'session' | 'admin-token';
}

/** The request property holding the AccessPrincipal once the guard has run. */
export const ACCESS_PRINCIPAL = 'pulseproofPrincipal';

/**
 * The request property holding whether the caller may see a patient (the app's ward scope), set by
 * the guard beside the principal, for a handler that trims a record rather than drops it.
 */
export const PATIENT_VISIBILITY = 'pulseproofPatientVisible';
export type PatientVisibility = (patientId: string) => boolean;

const rules = new WeakMap<object, AccessRule>();

function merge(target: object, rule: AccessRule): void {
  rules.set(target, { ...rules.get(target), ...rule });
}

type AnyDecorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => void;

function decorator(rule: AccessRule): AnyDecorator {
  return (target, _key, descriptor) => merge(descriptor?.value ?? target, rule);
}

/** The route (or every route of the controller) needs one of these roles. */
export function Roles(...roles: Role[]): AnyDecorator {
  return decorator({ roles });
}

/** No sign-in needed. */
export function Public(): AnyDecorator {
  return decorator({ public: true });
}

/** The route reads or changes a patient's data: ward-scoped for clinicians, logged for everyone. */
export function PatientData(scope: PatientScope): AnyDecorator {
  return decorator({ patient: scope });
}

/** The rule for a handler: the method's own declarations over its controller's. */
export function accessRuleFor(controller: object, handler: object): AccessRule | undefined {
  const onClass = rules.get(controller);
  const onMethod = rules.get(handler);
  if (!onClass && !onMethod) return undefined;
  return { ...onClass, ...onMethod };
}
