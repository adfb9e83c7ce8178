import type { AuditWriter } from '../../audit/audit-writer.js';
import { FhirError } from '../../errors/fhir-error.js';
import { isJsonObject } from '../../fhir/model/json-object.js';
import type { AppMiddleware } from '../../http/state.js';
import { forbidden, GuardedAccess, isSuperuser } from './guarded-access.js';
import { screenBody } from './response-screen.js';

/**
 * `$operation` requests (dispatched before the REST routes): operations that
 * touch no stored health data (validation and terminology) are open to any
 * valid token; `$everything` needs read access to the Patient and is screened
 * like any response; every other operation needs a full-access token until it
 * declares its own rule here. Each call is audited (action E).
 */
const OPEN_OPERATIONS = new Set(['validate', 'validate-code', 'lookup', 'expand', 'translate', 'subsumes', 'versions', 'meta']);
const PATIENT_READ_OPERATIONS = new Set(['everything', 'summary']);
/**
 * `$import` checks the caller itself (fhir/rest/import.ts): submitting needs create and
 * update on every type in the body and no patient confinement; a job's status is the
 * submitter's alone. So they are open to any valid token here.
 */
const SELF_CHECKING_OPERATIONS = new Set(['import', 'import-poll-status']);

const TARGET = /^\/fhir\/(?:([A-Za-z]+)\/(?:([A-Za-z0-9\-.]{1,64})\/)?)?\$([A-Za-z][A-Za-z0-9-]*)$/;

export function operationGuard(audit: AuditWriter): AppMiddleware {
  return async function guardOperation(ctx, next) {
    const m = TARGET.exec(ctx.path);
    const access = ctx.state.access;
    if (m === null || !(access instanceof GuardedAccess)) {
      await next();
      return;
    }
    const [, resourceType, , code = ''] = m;
    access.interaction = `operation:${code}`;
    try {
      if (PATIENT_READ_OPERATIONS.has(code) && resourceType !== undefined) access.authorize('r', resourceType);
      else if (!OPEN_OPERATIONS.has(code) && !SELF_CHECKING_OPERATIONS.has(code) && !isSuperuser(access.principal)) throw forbidden(`$${code} needs a full-access token`);
      await next();
      if (typeof ctx.body === 'string' && ctx.body !== '' && ctx.status < 400) {
        const parsed: unknown = JSON.parse(ctx.body);
        if (isJsonObject(parsed)) {
          const r = screenBody(parsed, access, !isSuperuser(access.principal));
          if (r.denied) throw forbidden('The granted access does not cover this result');
          if (r.changed) ctx.body = JSON.stringify(r.body);
        }
      }
    } catch (err) {
      if (err instanceof FhirError && err.status === 403) await audit.record(access.record('E', '4', { description: err.message }));
      throw err;
    }
    await audit.record(access.record('E', '0'));
  };
}
