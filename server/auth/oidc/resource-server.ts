import { errors, type Client, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { isSupportedRestriction } from '../policy/restrictions.js';
import { parseResourceScope, resourceScopes, scopeCovers, scopeList } from '../scopes/smart-scope.js';

/**
 * The FHIR API as oidc-provider's one resource server. SMART apps send
 * `aud=<FHIR base>` rather than RFC 8707 `resource`, so the FHIR base is the
 * default resource and every access token is bound to it (its `aud`).
 *
 * SMART clinical scopes are open-ended (`patient/Observation.rs?category=...`),
 * so the resource server's scope list is computed per request: the requested
 * clinical scopes that parse, that this server can enforce, that fit the
 * flow (`system/` only for Backend Services) and that a scope registered for
 * the client covers. Anything else is silently not granted (RFC 6749 §3.3).
 */
export interface FhirResourceServerOptions {
  readonly audience: string;
  readonly accessTokenTtl: number;
  readonly backendTokenTtl: number;
}

function candidateScopes(ctx: KoaContextWithOIDC): string[] {
  const out = new Set<string>(scopeList(typeof ctx.oidc.params?.['scope'] === 'string' ? ctx.oidc.params['scope'] : undefined));
  const { AuthorizationCode, RefreshToken } = ctx.oidc.entities;
  for (const s of scopeList(AuthorizationCode?.scope)) out.add(s);
  for (const s of scopeList(RefreshToken?.scope)) out.add(s);
  return [...out];
}

/** The clinical scopes this client may be granted in this request. */
export function grantableScopes(requested: readonly string[], clientScope: string | undefined, backend: boolean): string[] {
  const allowed = resourceScopes(clientScope);
  const out: string[] = [];
  for (const raw of requested) {
    const s = parseResourceScope(raw);
    if (s === undefined) continue;
    if ((s.context === 'system') !== backend) continue;
    if (!s.restrictions.every((r) => isSupportedRestriction(s.resourceType, r))) continue;
    if (allowed.some((a) => scopeCovers(a, s))) out.push(raw);
  }
  return out;
}

export function fhirResourceServer(o: FhirResourceServerOptions) {
  return {
    /** SMART's `aud` names the resource: default to the FHIR base when `resource` is absent. */
    defaultResource: (): string => o.audience,
    /** Tokens from a code or refresh token go to the granted resource, even with `openid` in scope. */
    useGrantedResource: (): boolean => true,
    getResourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, client: Client): ResourceServer {
      if (indicator !== o.audience) throw new errors.InvalidTarget(`the only resource here is the FHIR server ${o.audience}`);
      const backend = ctx.oidc.params?.['grant_type'] === 'client_credentials';
      const allowed = (client as unknown as Record<string, unknown>)['smart_scope'];
      const scope = grantableScopes(candidateScopes(ctx), typeof allowed === 'string' ? allowed : undefined, backend);
      if (backend && scope.length === 0) throw new errors.InvalidScope('none of the requested scopes is allowed for this client (Backend Services takes system/ scopes)', '');
      return {
        scope: scope.join(' '),
        audience: o.audience,
        accessTokenFormat: 'opaque',
        accessTokenTTL: backend ? o.backendTokenTtl : o.accessTokenTtl,
      };
    },
  };
}
