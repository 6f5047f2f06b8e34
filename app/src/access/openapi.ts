import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from './authenticator';
import { RouteEntry, patientScopeOf, routeTable, whoMay } from './route-table';

/** Tags per area, by path prefix; the first match wins. */
const AREAS: readonly [prefix: RegExp, tag: string][] = [
  [/^\/api\/health/, 'health'],
  [/^\/api\/auth/, 'auth'],
  [/^\/api\/users/, 'users'],
  [/^\/api\/(wards|patients\/\{id\}\/ward$)/, 'wards'],
  [/^\/api\/access-log/, 'access log'],
  [/^\/api\/patients/, 'patients'],
  [/^\/api\/alerts/, 'alerts'],
  [/^\/api\/(dispatches|units)/, 'dispatch'],
  [/^\/api\/(anchors|readings)/, 'audit'],
  [/^\/api\/(devices|principals)/, 'devices'],
  [/^\/api\/(liveness|dead-letters|sequence-gaps)/, 'ingest'],
  [/^\/api\/dashboard|^\/(\{file\})?$/, 'dashboard'],
];

export const OPENAPI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/docs/openapi.json';

/**
 * The OpenAPI 3 description of the whole HTTP API (issue 7 item 3). The services' controllers
 * carry no Swagger decorators (they do not depend on @nestjs/swagger), so areas, security and
 * the 401/403 answers are added here from the same route table the guard enforces.
 */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('PulseProof API')
    .setDescription(
      'Vital signs, NEWS2 alerts, ambulance dispatch, Merkle anchoring and proof receipts. Sign in with POST /api/auth/sign-in; ' +
        `the session travels as the HttpOnly cookie ${SESSION_COOKIE} or as "Authorization: Bearer <token>". ` +
        'Who may call each route is in its description and in docs/access-control.md.',
    )
    .setVersion('1')
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, 'session-cookie')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'a session token from sign-in, or ADMIN_API_TOKEN' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const routes = new Map(routeTable(app).map((r) => [`${r.method.toLowerCase()} ${r.path}`, r]));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, Record<string, unknown>][]) {
      const route = routes.get(`${method} ${path}`);
      if (!route || typeof operation !== 'object' || !operation) continue;
      annotate(operation, route);
    }
  }
  document.tags = [...new Set(AREAS.map(([, tag]) => tag))].map((name) => ({ name }));
  return document;
}

function annotate(operation: Record<string, unknown>, route: RouteEntry): void {
  const tag = AREAS.find(([prefix]) => prefix.test(route.path))?.[1];
  if (tag) operation['tags'] = [tag];
  const scope = patientScopeOf(route.rule);
  const who = `Who may call: ${whoMay(route.rule)}.${scope ? ` Patient data: ${scope}.` : ''}`;
  operation['description'] = operation['description'] ? `${String(operation['description'])}\n\n${who}` : who;
  if (route.rule?.public) {
    operation['security'] = [];
    return;
  }
  operation['security'] = [{ 'session-cookie': [] }, { bearer: [] }];
  operation['responses'] = {
    ...(operation['responses'] as object),
    '401': { description: 'Not signed in (or the session ended): `{ message }` says how to sign in.' },
    '403': { description: `Signed in, but the role or the wards do not allow it (needs ${whoMay(route.rule)}): \`{ message }\` says what to do.` },
  };
}

/** Serves the UI at /api/docs and the document at /api/docs/openapi.json (no sign-in: it holds no data). */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_PATH, app, () => buildOpenApi(app), { jsonDocumentUrl: OPENAPI_JSON_PATH, yamlDocumentUrl: 'api/docs/openapi.yaml' });
}
