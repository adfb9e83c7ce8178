import type { CapabilityStatement } from 'fhir/r4.js';
import { renderOptions, sendResource } from '../../http/respond.js';
import type { RouteHandler } from './context.js';

export interface CapabilityDeps {
  readonly capabilityStatement: CapabilityStatement;
}

/** capabilities: GET [base]/metadata (https://hl7.org/fhir/R4/http.html#capabilities). */
export function capabilities(deps: CapabilityDeps): RouteHandler {
  const body = JSON.stringify(deps.capabilityStatement);
  return async function readCapabilities(ctx) {
    ctx.state.interaction = 'capabilities';
    sendResource(ctx, 200, body, renderOptions(ctx));
    await Promise.resolve();
  };
}
