import type { AppMiddleware } from '../../http/state.js';

/**
 * CORS for the FHIR API, so browser SMART apps on other origins can call it
 * (https://fetch.spec.whatwg.org/#http-cors-protocol). Access is by bearer
 * token, never by cookie, so any origin may be allowed; credentials are not.
 * Preflight requests are answered here, before authentication.
 */
const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, If-None-Exist, If-Modified-Since, X-Request-Id';
const EXPOSE_HEADERS = 'Location, Content-Location, ETag, Last-Modified, WWW-Authenticate, X-Request-Id';

export const fhirCors: AppMiddleware = async function fhirCors(ctx, next) {
  const origin = ctx.get('origin');
  if (origin === '' || (ctx.path !== '/fhir' && !ctx.path.startsWith('/fhir/'))) {
    await next();
    return;
  }
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '') {
    ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, PATCH, DELETE');
    ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
    return;
  }
  await next();
};
