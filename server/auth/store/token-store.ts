import type { Pool } from '../../store/db.js';
import { tokenKey } from './pg-adapter.js';

/**
 * The one query behind every authorized FHIR request (on a cache miss): the
 * access token by the hash of its value, with its grant, both still live.
 */
export interface StoredAccessToken {
  readonly kind: 'AccessToken' | 'ClientCredentials';
  readonly payload: TokenPayload;
  /** Undefined for tokens without a grant (client credentials). */
  readonly grant?: { readonly clientId: string | null; readonly accountId: string | null } | null;
}

export interface TokenPayload {
  readonly exp?: number;
  readonly aud?: string | string[];
  readonly clientId?: string;
  readonly accountId?: string;
  readonly grantId?: string;
  readonly scope?: string;
  readonly extra?: Record<string, unknown>;
}

interface Row {
  kind: 'AccessToken' | 'ClientCredentials';
  payload: TokenPayload;
  grant_found: boolean;
  grant_client: string | null;
  grant_account: string | null;
}

export async function findAccessToken(pool: Pool, value: string): Promise<StoredAccessToken | undefined> {
  const r = await pool.query<Row>({
    name: 'auth-find-access-token',
    text: `SELECT t.kind, t.payload, g.id IS NOT NULL AS grant_found,
                  g.payload->>'clientId' AS grant_client, g.payload->>'accountId' AS grant_account
             FROM auth_oidc t
             LEFT JOIN auth_oidc g
               ON g.kind = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > now())
            WHERE t.kind IN ('AccessToken', 'ClientCredentials') AND t.id = $1
              AND (t.expires_at IS NULL OR t.expires_at > now())`,
    values: [tokenKey(value)],
  });
  const row = r.rows[0];
  if (row === undefined) return undefined;
  const grant = row.payload.grantId === undefined ? undefined : row.grant_found ? { clientId: row.grant_client, accountId: row.grant_account } : null;
  return { kind: row.kind, payload: row.payload, ...(grant === undefined ? {} : { grant }) };
}
