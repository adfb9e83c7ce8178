import { hash } from 'node:crypto';
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { Pool } from '../../store/db.js';

/**
 * oidc-provider's storage (https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#adapter)
 * on PostgreSQL: sessions, interactions, grants, codes, tokens and our EHR launch
 * contexts survive a restart and are shared by every server process. Clients
 * come from `auth_client` (registered with `npm run cli -- clients add`).
 *
 * Removing a token or a grant also sends a notification on `auth_revocation`,
 * so every process drops the token from its in-memory cache at once.
 *
 * Bearer artefacts (tokens, codes) are keyed by the SHA-256 of their value, so a
 * copy of the table does not hand out live tokens.
 */
export const REVOCATION_CHANNEL = 'auth_revocation';

const HASHED_KINDS: ReadonlySet<string> = new Set([
  'AccessToken',
  'ClientCredentials',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** The stored key of a bearer value (also what the token verifier looks up). */
export function tokenKey(value: string): string {
  // One-shot hash: every authorized request computes it, and it costs a quarter of createHash().update().digest().
  return hash('sha256', value, 'base64url');
}

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

function withConsumed(row: Row | undefined, jti?: string): AdapterPayload | undefined {
  if (row === undefined) return undefined;
  const payload = jti === undefined ? row.payload : { ...row.payload, jti };
  if (row.consumed_at === null) return payload;
  return { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';

/**
 * The adapter class oidc-provider instantiates once per model name.
 * `onRevoke` hears this process's revocations at once (other processes hear the NOTIFY).
 */
export function pgAdapter(pool: Pool, onRevoke: (tag: string) => void = () => undefined): AdapterConstructor {
  return class PgAdapter implements Adapter {
    private readonly key: (id: string) => string;

    constructor(private readonly kind: string) {
      this.key = HASHED_KINDS.has(kind) ? tokenKey : (id) => id;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const hashed = HASHED_KINDS.has(this.kind);
      // The token value is the jti: keep only its hash.
      const stored = hashed ? { ...payload, jti: undefined } : payload;
      const grantId = typeof payload.grantId === 'string' ? payload.grantId : null;
      const uid = typeof payload.uid === 'string' ? payload.uid : null;
      const userCode = typeof payload.userCode === 'string' ? payload.userCode : null;
      await pool.query(
        `INSERT INTO auth_oidc (kind, id, payload, grant_id, uid, user_code, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END)
         ON CONFLICT (kind, id) DO UPDATE
           SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
               user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
        [this.kind, this.key(id), JSON.stringify(stored), grantId, uid, userCode, expiresIn ?? null],
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.kind === 'Client') {
        const r = await pool.query<{ metadata: AdapterPayload }>('SELECT metadata FROM auth_client WHERE client_id = $1', [id]);
        return r.rows[0]?.metadata;
      }
      const r = await pool.query<Row>(
        `SELECT payload, consumed_at FROM auth_oidc WHERE kind = $1 AND id = $2 AND ${LIVE}`,
        [this.kind, this.key(id)],
      );
      return withConsumed(r.rows[0], HASHED_KINDS.has(this.kind) ? id : undefined);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const r = await pool.query<Row>(`SELECT payload, consumed_at FROM auth_oidc WHERE kind = $1 AND uid = $2 AND ${LIVE}`, [
        this.kind,
        uid,
      ]);
      return withConsumed(r.rows[0]);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const r = await pool.query<Row>(
        `SELECT payload, consumed_at FROM auth_oidc WHERE kind = $1 AND user_code = $2 AND ${LIVE}`,
        [this.kind, userCode],
      );
      return withConsumed(r.rows[0]);
    }

    async consume(id: string): Promise<void> {
      await pool.query('UPDATE auth_oidc SET consumed_at = now() WHERE kind = $1 AND id = $2', [this.kind, this.key(id)]);
    }

    async destroy(id: string): Promise<void> {
      onRevoke(this.kind === 'Grant' ? `grant:${id}` : `token:${this.key(id)}`);
      await pool.query(
        `WITH d AS (DELETE FROM auth_oidc WHERE kind = $1 AND id = $2 RETURNING 1)
         SELECT pg_notify($3, $4) FROM d`,
        [this.kind, this.key(id), REVOCATION_CHANNEL, this.kind === 'Grant' ? `grant:${id}` : `token:${this.key(id)}`],
      );
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      onRevoke(`grant:${grantId}`);
      await pool.query(
        `WITH d AS (DELETE FROM auth_oidc WHERE kind = $1 AND grant_id = $2 RETURNING 1)
         SELECT pg_notify($3, $4) WHERE EXISTS (SELECT 1 FROM d)`,
        [this.kind, grantId, REVOCATION_CHANNEL, `grant:${grantId}`],
      );
    }
  };
}

/** Removes artefacts that expired more than an hour ago (run now and then by one of the processes). */
export async function purgeExpired(pool: Pool): Promise<number> {
  const r = await pool.query("DELETE FROM auth_oidc WHERE expires_at < now() - interval '1 hour'");
  return r.rowCount ?? 0;
}
