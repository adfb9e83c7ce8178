import { declaredLength, readJsonBody } from '../../http/body.js';
import { requestBodyKind } from '../../http/negotiate.js';
import { returnPreference } from '../../http/prefer.js';
import { sendBody } from '../../http/respond.js';
import { responseBundleJson } from '../bundle/response.js';
import type { RestDeps, RouteHandler } from './context.js';

/**
 * batch / transaction: POST [base] with a Bundle (https://hl7.org/fhir/R4/http.html#transaction).
 * The answer is 200 with a batch-response / transaction-response Bundle; a failed
 * transaction is one OperationOutcome naming the failing entry (error handler).
 */
export function bundle(deps: RestDeps): RouteHandler {
  return async function processBundle(ctx) {
    ctx.state.interaction = 'transaction';
    requestBodyKind(ctx.get('content-type'), false);
    // Weighed by its declared size; one without might be as large as those accepted (readJsonBody stops it there).
    const result = await deps.bundles.limited(Math.min(declaredLength(ctx) ?? deps.bundleMaxBytes, deps.bundleMaxBytes), async () => {
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
