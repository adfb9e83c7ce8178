import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { Pool } from '../../store/db.js';
import { OIDC_SCOPES } from '../oidc/constants.js';
import { parseResourceScope } from '../scopes/smart-scope.js';

/**
 * Registered SMART clients (`auth_client`), as oidc-provider client metadata.
 * Client secrets are random 256-bit values shown once at registration and
 * stored only as a SHA-256 hash (a fast hash suffices for a full-entropy secret);
 * the provider compares with `secretMatches`.
 */
export type ClientKind = 'public' | 'confidential' | 'backend';

export interface ClientRegistration {
  readonly clientId?: string;
  readonly name: string;
  readonly kind: ClientKind;
  readonly redirectUris: readonly string[];
  /** Space-separated scopes the client may be granted (wildcards such as `patient/*.rs` cover narrower ones). */
  readonly scope?: string;
  /** Asymmetric authentication (private_key_jwt): a JWKS URL or an inline JWKS. */
  readonly jwksUri?: string;
  readonly jwks?: { keys: Record<string, unknown>[] };
}

const APP_SCOPES = 'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access patient/*.cruds user/*.cruds';
const BACKEND_SCOPES = 'system/*.rs';

/**
 * oidc-provider accepts only its own (OpenID and launch) scopes in a client's
 * `scope`; the clinical scopes a client may be granted go in `smart_scope`
 * (extra client metadata), read by the FHIR resource server (oidc/resource-server.ts).
 */
function splitScopes(scope: string): { scope: string; smart_scope: string } {
  const oidc: string[] = [];
  const smart: string[] = [];
  for (const s of scope.split(' ').filter((x) => x !== '')) {
    if (OIDC_SCOPES.includes(s)) oidc.push(s);
    else if (parseResourceScope(s) !== undefined) smart.push(s);
    else throw new Error(`unknown scope ${s}`);
  }
  return { scope: oidc.join(' '), smart_scope: smart.join(' ') };
}

export function hashSecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret).digest('base64url')}`;
}

/** Constant-time check of a presented secret against the stored hash. */
export function secretMatches(storedHash: string | undefined, presented: string): boolean {
  if (storedHash === undefined) return false;
  const a = Buffer.from(storedHash);
  const b = Buffer.from(hashSecret(presented));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The oidc-provider metadata for a registration, and the secret to show once (confidential symmetric clients). */
export function clientMetadata(reg: ClientRegistration): { metadata: ClientMetadata; secret?: string } {
  const clientId = reg.clientId ?? randomBytes(12).toString('base64url');
  const asymmetric = reg.jwksUri !== undefined || reg.jwks !== undefined;
  const keys = {
    ...(reg.jwksUri === undefined ? {} : { jwks_uri: reg.jwksUri }),
    ...(reg.jwks === undefined ? {} : { jwks: reg.jwks }),
  };
  if (reg.kind === 'backend') {
    if (!asymmetric) throw new Error('a backend client needs --jwks-uri or --jwks (SMART Backend Services uses private_key_jwt)');
    const metadata: ClientMetadata = {
      client_id: clientId,
      client_name: reg.name,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      smart_scope: splitScopes(reg.scope ?? BACKEND_SCOPES).smart_scope,
      ...keys,
    };
    return { metadata };
  }
  if (reg.redirectUris.length === 0) throw new Error('an app client needs at least one --redirect-uri');
  const base: ClientMetadata = {
    client_id: clientId,
    client_name: reg.name,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [...reg.redirectUris],
    ...splitScopes(reg.scope ?? APP_SCOPES),
  };
  if (reg.kind === 'public') return { metadata: { ...base, token_endpoint_auth_method: 'none' } };
  if (asymmetric) return { metadata: { ...base, token_endpoint_auth_method: 'private_key_jwt', ...keys } };
  const secret = randomBytes(32).toString('base64url');
  return { metadata: { ...base, token_endpoint_auth_method: 'client_secret_basic', client_secret: hashSecret(secret) }, secret };
}

export class ClientStore {
  constructor(private readonly pool: Pool) {}

  async add(metadata: ClientMetadata): Promise<void> {
    await this.pool.query('INSERT INTO auth_client (client_id, metadata) VALUES ($1, $2)', [metadata.client_id, JSON.stringify(metadata)]);
  }

  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const r = await this.pool.query<{ metadata: ClientMetadata }>('SELECT metadata FROM auth_client WHERE client_id = $1', [clientId]);
    return r.rows[0]?.metadata;
  }

  async list(): Promise<ClientMetadata[]> {
    const r = await this.pool.query<{ metadata: ClientMetadata }>('SELECT metadata FROM auth_client ORDER BY client_id');
    return r.rows.map((row) => row.metadata);
  }

  async remove(clientId: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM auth_client WHERE client_id = $1', [clientId]);
    return (r.rowCount ?? 0) > 0;
  }
}
