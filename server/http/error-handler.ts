import { FhirError } from '../errors/fhir-error.js';
import { toOperationOutcome } from '../errors/outcome.js';
import { sqlState } from '../store/db.js';
import type { AppMiddleware } from './state.js';

/** SQLSTATEs that mean "try again later" rather than "we are broken". */
const BUSY_STATES = new Set(['40001', '40P01', '57014', '53300', '55P03']);

function asFhirError(err: unknown, requestId: string): FhirError {
  if (err instanceof FhirError) return err;
  const state = sqlState(err);
  if (state !== undefined && BUSY_STATES.has(state)) {
    return new FhirError('busy', 'The server is busy; retry the request', { cause: err, headers: { 'Retry-After': '1' } });
  }
  if (state === '23505') return new FhirError('conflict', 'The write conflicts with a concurrent write; retry', { cause: err });
  return new FhirError('internal', `Internal error; request id ${requestId}`, { cause: err });
}

/**
 * The one catch-all: every failure leaves as an OperationOutcome with the status
 * from the error table. Internal details (stack, SQL) go to the log only.
 */
export const errorHandler: AppMiddleware = async function errorHandler(ctx, next) {
  try {
    await next();
  } catch (err) {
    const e = asFhirError(err, ctx.state.requestId);
    if (e.status >= 500) {
      ctx.state.log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'request failed');
    }
    ctx.status = e.status;
    for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
    ctx.type = 'application/fhir+json; charset=utf-8';
    const issues = e.expose
      ? e.issues
      : [{ severity: 'error' as const, code: 'exception' as const, diagnostics: e.message }];
    ctx.body = JSON.stringify(toOperationOutcome(issues));
  }
};
