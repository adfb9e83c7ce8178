import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { AuditRecord } from '../../audit/audit-record.js';
import type { AuditWriter } from '../../audit/audit-writer.js';
import { FhirError } from '../../errors/fhir-error.js';
import { isJsonObject, type JsonObject } from '../../fhir/model/json-object.js';
import type { Repository } from '../../fhir/repository/repository.js';
import type { RouteGuard, RouteSpec } from '../../fhir/rest/routes.js';
import type { AppContext, AppState } from '../../http/state.js';
import { interactionRule, type InteractionRule } from '../policy/interactions.js';
import { forbidden, GuardedAccess, isSuperuser } from './guarded-access.js';
import { screenBody } from './response-screen.js';

/**
 * The per-route guard (one middleware per row of the ROUTES table, so routes
 * added later are covered by their `interaction`):
 *
 * 1. before the handler: the interaction's SMART permission on the URL's
 *    resource type (403 when the scopes or the user's role do not allow it);
 *    interactions this guard does not know are open to full-access tokens only;
 * 2. the handler runs; its writes are checked and audited inside their
 *    transaction by `access.writeHook`;
 * 3. after it: every resource in the response body is screened (response-screen.ts)
 *    and the read is audited, durably, before the response leaves.
 */
export interface RouteGuardDeps {
  readonly repository: Repository;
  readonly audit: AuditWriter;
}

function single(ctx: AppContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Read responses shaped by _elements / _summary may lack the elements access depends on. */
function subsetted(ctx: AppContext): boolean {
  const summary = single(ctx, '_summary');
  return single(ctx, '_elements') !== undefined || (summary !== undefined && summary !== 'false');
}

function parseBody(ctx: AppContext): JsonObject | undefined {
  if (typeof ctx.body !== 'string' || ctx.body === '') return undefined;
  try {
    const v: unknown = JSON.parse(ctx.body);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

async function storedById(repo: Repository, type: string, id: string): Promise<JsonObject | undefined> {
  try {
    const s = await repo.read(type, id);
    const v: unknown = s.json === null ? undefined : JSON.parse(s.json);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The stored resource behind a read response (when the body cannot be trusted to show it whole). */
async function storedResource(ctx: RouterContext<AppState>, repo: Repository, route: RouteSpec): Promise<JsonObject | undefined> {
  const type = ctx.params['type'];
  const id = ctx.params['id'];
  if (type === undefined || id === undefined) return undefined;
  try {
    const vid = ctx.params['vid'];
    const s = route.interaction === 'vread' && vid !== undefined ? await repo.vread(type, id, Number(vid)) : await repo.read(type, id);
    const v: unknown = s.json === null ? undefined : JSON.parse(s.json);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Headers that describe the resource; a response that ends up not carrying it must not carry them either. */
function withholdResourceHeaders(ctx: AppContext): void {
  for (const h of ['ETag', 'Last-Modified', 'Location', 'Content-Location']) ctx.remove(h);
}

function deny(ctx: AppContext, message: string): never {
  withholdResourceHeaders(ctx);
  throw forbidden(message);
}

async function screen(ctx: RouterContext<AppState>, access: GuardedAccess, route: RouteSpec, rule: InteractionRule | undefined, deps: RouteGuardDeps): Promise<void> {
  if (access.screenedByRoute || ctx.status >= 400) return;
  const writeRule = rule === 'c' || rule === 'u' || rule === 'd';
  // A write's own representation was checked inside its transaction.
  if (writeRule && access.writes > 0) return;
  // Confined: the caller may not see all resources of the type(s) involved (patient, role or restriction limits).
  const type = ctx.params['type'];
  const confined = type === undefined ? !isSuperuser(access.principal) : access.searchConstraint(type).kind !== 'all';
  const isRead = route.interaction === 'read' || route.interaction === 'vread';
  let body = parseBody(ctx);
  // 304, subsets and minimal conditional-create answers: decide on the stored resource.
  if (isRead && (body === undefined || subsetted(ctx))) {
    const stored = await storedResource(ctx, deps.repository, route);
    if (stored === undefined || !access.disclose(stored)) deny(ctx, 'The granted access does not cover this resource');
    return;
  }
  if (body === undefined) {
    // A conditional create that found its match answers 200 with only a Location (Prefer: return=minimal).
    if (rule === 'c' && ctx.status === 200) {
      const m = /\/fhir\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/\d+)?$/.exec(ctx.response.get('Location'));
      const stored = m?.[1] === undefined || m[2] === undefined ? undefined : await storedById(deps.repository, m[1], m[2]);
      if (stored === undefined || !access.disclose(stored)) deny(ctx, 'The granted access does not cover this resource');
    }
    return;
  }
  const result = screenBody(body, access, confined);
  // The history of one resource the caller may see no version of is refused like a read of it.
  const hiddenInstance = route.interaction === 'history-instance' && result.shown === 0 && result.hidden > 0;
  if (result.denied || hiddenInstance) deny(ctx, 'The granted access does not cover this resource');
  if (result.changed) {
    body = result.body;
    ctx.body = single(ctx, '_pretty') === 'true' ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  }
}

/** AuditEvent.action of a request that wrote nothing (a conditional create that found its match only read). */
function auditAction(rule: InteractionRule | undefined): AuditRecord['action'] {
  switch (rule) {
    case 'r':
    case 's':
    case 'c':
      return 'R';
    case 'u':
      return 'U';
    case 'd':
      return 'D';
    case 'entries':
    case 'public':
    case undefined:
      return 'E';
  }
}

function isAccessDenied(err: unknown): boolean {
  return err instanceof FhirError && err.status === 403;
}

export function routeGuard(deps: RouteGuardDeps): RouteGuard {
  return (route: RouteSpec): RouterMiddleware<AppState> =>
    async function guardRoute(ctx, next) {
      const access = ctx.state.access;
      if (!(access instanceof GuardedAccess)) {
        await next();
        return;
      }
      access.interaction = route.interaction;
      const rule = interactionRule(route.interaction);
      if (rule === 'public') {
        await next();
        return;
      }
      try {
        if (rule === undefined) {
          if (!isSuperuser(access.principal)) throw forbidden(`The ${route.interaction} interaction needs a full-access token`);
        } else if (rule !== 'entries') {
          // Bundles: the Bundle processor authorizes each entry (access.authorizeEntry) and writes through access.writeHook.
          const type = ctx.params['type'];
          if (type === undefined) access.authorizeAny(rule);
          else access.authorize(rule, type);
        }
        await next();
        await screen(ctx, access, route, rule, deps);
      } catch (err) {
        if (isAccessDenied(err)) await deps.audit.record(access.record('E', '4', { description: err instanceof Error ? err.message : 'denied' }));
        throw err;
      }
      // Writes were audited inside their transaction; everything else is audited here, before the response leaves.
      if ((rule === 'c' || rule === 'u' || rule === 'd') && access.writes > 0) return;
      const query = rule === 's' && ctx.querystring !== '' ? ctx.querystring : undefined;
      try {
        await deps.audit.record(access.record(auditAction(rule), '0', query === undefined ? {} : { query }));
      } catch (err) {
        // Unaudited, the data must not leave: the error handler replaces the body with an
        // OperationOutcome. The audit store failing is a temporary condition of the server: 503.
        withholdResourceHeaders(ctx);
        throw new FhirError('busy', 'The access could not be recorded in the audit trail, so the data is withheld; retry', { cause: err, headers: { 'Retry-After': '1' } });
      }
    };
}
