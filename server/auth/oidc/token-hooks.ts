import { createHash } from 'node:crypto';
import type { AccessToken, ClientCredentials, KoaContextWithOIDC, UnknownObject } from 'oidc-provider';
import type { AuditRecord } from '../../audit/audit-record.js';
import type { AuditWriter } from '../../audit/audit-writer.js';
import { scopeList } from '../scopes/smart-scope.js';
import type { GrantContext, SmartContextStore } from './smart-context.js';

/**
 * SMART additions to oidc-provider's tokens:
 *
 * - `extraTokenClaims`: each access token carries its grant's launch context
 *   (`patient`, `encounter`, `fhirContext`, `need_patient_banner`,
 *   `smart_style_url`, `intent`, `fhirUser`), stored with the token and so also
 *   in the introspection response (token-introspection.html), plus private
 *   `__` fields the resource server needs (role, username, full scope);
 * - the token and introspection responses get the launch context as top-level
 *   parameters (app-launch.html#response-5), the full granted scope, and never
 *   the private fields;
 * - token issue and revocation are audited.
 */
const PUBLIC_CONTEXT = ['patient', 'encounter', 'fhirContext', 'need_patient_banner', 'smart_style_url', 'intent', 'fhirUser'] as const;

export function tokenClaims(contexts: SmartContextStore, fhirBaseUrl: string) {
  return async function extraTokenClaims(_ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials): Promise<UnknownObject | undefined> {
    const grantId: unknown = 'grantId' in token ? token.grantId : undefined;
    if (typeof grantId !== 'string') return undefined;
    const c: GrantContext | undefined = await contexts.grantContext(grantId);
    if (c === undefined) return undefined;
    const granted = new Set(scopeList(c.scope));
    const out: UnknownObject = {
      __role: c.role,
      __username: c.username,
      __fhir_user: c.fhirUser,
      __scope: c.scope,
      ...(c.ownPatient === undefined ? {} : { __own_patient: c.ownPatient }),
      ...(c.patient === undefined ? {} : { patient: c.patient }),
      ...(c.encounter === undefined ? {} : { encounter: c.encounter }),
      ...(c.fhirContext === undefined ? {} : { fhirContext: c.fhirContext.map((reference) => ({ reference })) }),
      ...(c.need_patient_banner === undefined ? {} : { need_patient_banner: c.need_patient_banner }),
      ...(c.smart_style_url === undefined ? {} : { smart_style_url: c.smart_style_url }),
      ...(c.intent === undefined ? {} : { intent: c.intent }),
      ...(granted.has('openid') && granted.has('fhirUser') ? { fhirUser: `${fhirBaseUrl}/${c.fhirUser}` } : {}),
    };
    return out;
  };
}

function publicContext(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PUBLIC_CONTEXT) if (extra[k] !== undefined) out[k] = extra[k];
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tokenHash(value: unknown): string | undefined {
  return typeof value === 'string' ? `sha256:${createHash('sha256').update(value).digest('base64url')}` : undefined;
}

function authAudit(ctx: KoaContextWithOIDC, kind: AuditRecord['kind'], extra: Partial<AuditRecord>): AuditRecord {
  const clientId = ctx.oidc.client?.clientId;
  return {
    kind,
    recorded: new Date().toISOString(),
    action: 'E',
    outcome: '0',
    agent: { kind: 'system', ...(clientId === undefined ? {} : { clientId }), address: ctx.ip },
    resources: [],
    patients: [],
    ...extra,
  };
}

/** provider.use(): shapes token and introspection responses and audits token events. */
export function tokenResponses(audit: AuditWriter) {
  return async function smartTokenResponses(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    await next();
    const route = ctx.oidc.route;
    const body: unknown = ctx.body;
    if (route === 'token' && ctx.status === 200 && isRecord(body) && typeof body['access_token'] === 'string') {
      const { AccessToken, ClientCredentials } = ctx.oidc.entities;
      const extra = AccessToken?.extra ?? ClientCredentials?.extra ?? {};
      const scope = typeof extra['__scope'] === 'string' ? extra['__scope'] : body['scope'];
      ctx.body = { ...body, ...publicContext(extra), ...(scope === undefined ? {} : { scope }) };
      const patient = typeof extra['patient'] === 'string' ? [extra['patient']] : [];
      const accountId = AccessToken?.accountId;
      const username = typeof extra['__username'] === 'string' ? extra['__username'] : undefined;
      const hash = tokenHash(body['access_token']);
      await audit.record(
        authAudit(ctx, 'token-issued', {
          patients: patient,
          agent: {
            kind: accountId === undefined ? 'system' : 'user',
            ...(ctx.oidc.client === undefined ? {} : { clientId: ctx.oidc.client.clientId }),
            ...(accountId === undefined ? {} : { userId: accountId }),
            ...(username === undefined ? {} : { username }),
            ...(hash === undefined ? {} : { tokenHash: hash }),
            address: ctx.ip,
          },
          description: `grant_type ${typeof ctx.oidc.params?.['grant_type'] === 'string' ? ctx.oidc.params['grant_type'] : ''}; scope ${typeof scope === 'string' ? scope : ''}`,
        }),
      );
    } else if (route === 'introspection' && isRecord(body) && body['active'] === true) {
      const full = body['__scope'];
      const cleaned = Object.fromEntries(Object.entries(body).filter(([k]) => !k.startsWith('__')));
      ctx.body = typeof full === 'string' ? { ...cleaned, scope: full } : cleaned;
    } else if (route === 'revocation' && ctx.status === 200) {
      await audit.record(authAudit(ctx, 'token-revoked', { description: 'token revoked at the revocation endpoint' }));
    }
  };
}
