import { INestApplicationContext, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { AccessRule, accessRuleFor } from '@pulseproof/contracts';

export interface RouteEntry {
  readonly method: string;
  /** OpenAPI form: `/api/patients/{id}` */
  readonly path: string;
  readonly controller: string;
  readonly handler: string;
  readonly rule: AccessRule | undefined;
}

function join(...parts: (string | string[] | undefined)[]): string {
  const segments = parts.flatMap((p) => (Array.isArray(p) ? p.slice(0, 1) : [p])).filter((p): p is string => !!p);
  return ('/' + segments.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Every HTTP route Nest registered, with the access rule it declares: the source of the
 * route → role table (docs/access-control.md), of the OpenAPI annotations, and of the tests that
 * keep both from drifting.
 */
export function routeTable(app: INestApplicationContext): RouteEntry[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes: RouteEntry[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!controller) continue;
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, object>)[name]!;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      routes.push({ method: RequestMethod[method]!, path: join(base, path), controller: controller.name, handler: name, rule: accessRuleFor(controller, handler) });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** "clinician, admin" / "public" — how the table and the API description name who may call. */
export function whoMay(rule: AccessRule | undefined): string {
  if (rule?.public) return 'public';
  if (!rule?.roles) return 'nobody (no rule declared)';
  return [...new Set([...rule.roles, 'admin'])].join(', ');
}

/** What the route does with patient data, in words. */
export function patientScopeOf(rule: AccessRule | undefined): string {
  const p = rule?.patient;
  if (!p) return '';
  const checks = [
    p.param && `patient :${p.param} must be in a clinician's wards`,
    p.owner && `the ${p.owner.of}'s patient must be in a clinician's wards`,
    p.query && `?${p.query} must be in a clinician's wards`,
    (p.response === 'list' || p.response === 'events' || (typeof p.response === 'object' && 'listKey' in p.response)) && 'filtered to a clinician\'s wards',
    (p.response === 'one' || (typeof p.response === 'object' && 'oneAt' in p.response)) && 'refused unless the patient is in a clinician\'s wards',
  ].filter(Boolean);
  return [...checks, 'access logged'].join('; ');
}

/** One row of the route → role table in docs/access-control.md. */
export function accessTableRow(route: RouteEntry): string {
  return `| ${route.method} | \`${route.path}\` | ${whoMay(route.rule)} | ${patientScopeOf(route.rule) || '-'} |`;
}
