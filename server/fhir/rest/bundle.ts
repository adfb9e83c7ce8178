import { readJsonBody } from '../../http/body.js';
import { requestBodyKind } from '../../http/negotiate.js';
import { returnPreference } from '../../http/prefer.js';
import { sendBody } from '../../http/respond.js';
import { responseBundleJson } from '../bundle/response.js';
import type { RestDeps, RouteHandler } from './context.js';

/**
 * The size a Bundle body claims (Content-Length), for the limiter to weigh it by; one
 * without a usable length might be as large as any accepted (readJsonBody stops it there).
 */
function declaredSize(header: string, max: number): number {
  const n = /^\d{1,15}$/.test(header) ? Number(header) : Number.NaN;
  return Number.isSafeInteger(n) ? Math.min(n, max) : max;
}

/**
 * batch / transaction: POST [base] with a Bundle (https://hl7.org/fhir/R4/http.html#transaction).
 * The answer is 200 with a batch-response / transaction-response Bundle; a failed
 * transaction is one OperationOutcome naming the failing entry (error handler).
 */
export function bundle(deps: RestDeps): RouteHandler {
  return async function processBundle(ctx) {
    ctx.state.interaction = 'transaction';
    requestBodyKind(ctx.get('content-type'), false);
    const result = await deps.bundles.limited(declaredSize(ctx.get('content-length'), deps.bundleMaxBytes), async () => {
      const body = await readJsonBody(ctx, deps.bundleMaxBytes);
      if (typeof body === 'object' && body !== null && 'type' in body && body.type === 'batch') ctx.state.interaction = 'batch';
      return deps.bundles.process(body, ctx.state.access);
    });
    for (const [i, o] of result.outcomes.entries()) {
      if (o.kind === 'failed' && o.error.status >= 500) {
        const cause = o.error.cause instanceof Error ? { message: o.error.cause.message, stack: o.error.cause.stack } : undefined;
        ctx.state.log.error({ err: cause, entry: i }, 'batch entry failed');
      }
    }
    sendBody(ctx, 200, responseBundleJson(result, returnPreference(ctx.get('prefer') || undefined)));
  };
}
