import { FhirError } from '../../errors/fhir-error.js';
import type { AppMiddleware } from '../../http/state.js';
import type { RequestAccess } from '../access.js';
import { GuardedAccess } from './guarded-access.js';
import { OPEN_ACCESS } from './open-access.js';
import type { TokenVerifier } from './token-verifier.js';

/**
 * Bearer authentication for every /fhir request (RFC 6750), except the
 * CapabilityStatement and the SMART discovery document, which are public.
 * A missing, malformed, unknown, expired, revoked or wrong-audience token gets
 * 401 with `WWW-Authenticate`; a valid one becomes `ctx.state.access`.
 */
const PUBLIC = /^\/fhir\/(?:metadata\/?|\.well-known\/.*)$/;

function unauthorized(realm: string, error: string | undefined, description: string): FhirError {
  const challenge = error === undefined ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="${error}", error_description="${description}"`;
  return new FhirError('unauthorized', description, { headers: { 'WWW-Authenticate': challenge } });
}

export function authenticate(verifier: TokenVerifier | undefined, baseUrl: string): AppMiddleware {
  return async function authenticateBearer(ctx, next) {
    if (ctx.path !== '/fhir' && !ctx.path.startsWith('/fhir/')) {
      await next();
      return;
    }
    if (verifier === undefined) {
      ctx.state.access = OPEN_ACCESS;
      await next();
      return;
    }
    if (PUBLIC.test(ctx.path)) {
      await next();
      return;
    }
    const header = ctx.get('authorization');
    if (header === '') throw unauthorized(baseUrl, undefined, 'This FHIR server requires a SMART on FHIR access token (Authorization: Bearer ...)');
    const m = /^Bearer +([^ ]+) *$/i.exec(header);
    if (m?.[1] === undefined) throw unauthorized(baseUrl, 'invalid_token', 'The Authorization header is not a Bearer token');
    const principal = await verifier.verify(m[1]);
    if (principal === undefined) {
      throw unauthorized(baseUrl, 'invalid_token', 'The access token is invalid, expired, revoked or not issued for this server');
    }
    const access: RequestAccess = new GuardedAccess(principal, { baseUrl, requestId: ctx.state.requestId, address: ctx.ip });
    ctx.state.access = access;
    await next();
  };
}
