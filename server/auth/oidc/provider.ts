import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuditWriter } from '../../audit/audit-writer.js';
import type { Config } from '../../config/schema.js';
import { secretMatches } from '../store/client-store.js';
import type { AuthKeys } from '../store/key-store.js';
import { pgAdapter } from '../store/pg-adapter.js';
import type { UserStore } from '../store/user-store.js';
import type { Pool } from '../../store/db.js';
import { AUTH_PATHS, OIDC_SCOPES } from './constants.js';
import { logoutPage, messagePage } from './pages.js';
import { fhirResourceServer } from './resource-server.js';
import type { SmartContextStore } from './smart-context.js';
import { tokenClaims, tokenResponses } from './token-hooks.js';

/**
 * The SMART App Launch 2.2 authorization server
 * (https://hl7.org/fhir/smart-app-launch/app-launch.html), built on
 * oidc-provider: authorization code with PKCE (S256 only, always required),
 * `aud` checked against the FHIR base, EHR `launch` values, OpenID Connect with
 * `fhirUser`, refresh tokens for offline_access / online_access (rotated on
 * every use), Backend Services (client_credentials + private_key_jwt with
 * RS384 / ES384), introspection (RFC 7662) and revocation (RFC 7009).
 */
export interface ProviderDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly keys: AuthKeys;
  readonly issuer: string;
  readonly fhirBaseUrl: string;
  readonly users: UserStore;
  readonly contexts: SmartContextStore;
  readonly audit: AuditWriter;
  readonly log: Logger;
  /** Told of every token or grant this process removes (evicts the guard's cache). */
  readonly onRevoke: (tag: string) => void;
}


const CLIENT_AUTH_ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384', 'RS512', 'ES512'] as const;

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

export function createProvider(d: ProviderDeps): Provider {
  const c = d.config;
  const rs = fhirResourceServer({ audience: d.fhirBaseUrl, accessTokenTtl: c.authAccessTokenTtl, backendTokenTtl: c.authBackendTokenTtl });
  const configuration: Configuration = {
    adapter: pgAdapter(d.pool, d.onRevoke),
    jwks: d.keys.jwks,
    cookies: {
      keys: d.keys.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    async findAccount(_ctx, sub) {
      const user = await d.users.byId(sub);
      if (user === undefined || user.disabled) return undefined;
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          fhirUser: `${d.fhirBaseUrl}/${user.fhirUser}`,
          name: user.displayName,
          preferred_username: user.username,
        }),
      };
    },
    claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['name', 'preferred_username'] },
    scopes: OIDC_SCOPES,
    extraClientMetadata: {
      properties: ['smart_scope'],
      validator: (_ctx, key, value) => {
        if (key === 'smart_scope' && value !== undefined && typeof value !== 'string') {
          throw new errors.InvalidClientMetadata('smart_scope must be a space-separated string of SMART scopes');
        }
      },
    },
    routes: { ...AUTH_PATHS },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: {
      clientAuthSigningAlgValues: [...CLIENT_AUTH_ALGS],
      idTokenSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256', 'RS384', 'ES384'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Public clients may introspect only their own tokens; authenticated clients any (token-introspection.html).
        allowedPolicy: (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      resourceIndicators: { enabled: true, ...rs },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'text/html; charset=utf-8';
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'text/html; charset=utf-8';
          ctx.body = messagePage('Signed out', 'You are signed out. You can close this page.');
        },
      },
      userinfo: { enabled: true },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    extraParams: {
      /** SMART: `aud` must be this FHIR server's base URL (app-launch.html#request-4). */
      aud(_ctx: KoaContextWithOIDC, value: string | undefined) {
        if (value === undefined) throw new errors.InvalidRequest('aud (the FHIR base URL) is required');
        if (value.replace(/\/+$/, '') !== d.fhirBaseUrl) throw new errors.InvalidRequest(`aud must be ${d.fhirBaseUrl}`);
      },
      /** EHR launch: the value minted by POST /auth/launch (checked again at consent). */
      async launch(_ctx: KoaContextWithOIDC, value: string | undefined) {
        if (value !== undefined && (await d.contexts.findLaunch(value)) === undefined) {
          throw new errors.InvalidRequest('launch is unknown or expired');
        }
      },
    },
    extraTokenClaims: tokenClaims(d.contexts, d.fhirBaseUrl),
    // Consent is asked at every authorization: a launch may carry a different patient each time.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId === undefined ? undefined : ctx.oidc.provider.Grant.find(grantId);
    },
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access')),
    // online_access (and no refresh scope at all): tokens end with the sign-in session.
    expiresWithSession: (_ctx, code) => !code.scopes.has('offline_access'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: c.authAccessTokenTtl,
      ClientCredentials: c.authBackendTokenTtl,
      AuthorizationCode: 60,
      IdToken: c.authAccessTokenTtl,
      Interaction: 3600,
      Session: c.authSessionTtl,
      Grant: c.authRefreshTokenTtl,
      RefreshToken: (ctx, token) => (token.expiresWithSession === true ? c.authSessionTtl : c.authRefreshTokenTtl),
    },
    interactions: { url: (_ctx, interaction) => `/auth/interaction/${interaction.uid}` },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((u) => originOf(u) === origin) ?? false,
    renderError: (ctx, out) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = messagePage('Sign-in could not continue', `${out.error}: ${out.error_description ?? ''}`);
    },
  };
  const provider = new Provider(d.issuer, configuration);
  // Behind the Koa app: trust what it decided about the request (proxy settings live there).
  provider.proxy = false;
  // Client secrets are stored hashed (client-store.ts).
  Object.defineProperty(provider.Client.prototype, 'compareClientSecret', {
    value(this: { clientSecret?: string }, actual: string) {
      return secretMatches(this.clientSecret, actual);
    },
  });
  provider.use(tokenResponses(d.audit));
  provider.on('server_error', (_ctx: unknown, err: Error) => {
    d.log.error({ err: { message: err.message, stack: err.stack } }, 'authorization server error');
  });
  return provider;
}
