import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../../store/db.js';
import { principalDetails, type Principal } from '../policy/principal.js';
import { resourceScopes } from '../scopes/smart-scope.js';
import { REVOCATION_CHANNEL, tokenKey } from '../store/pg-adapter.js';
import { findAccessToken, type StoredAccessToken } from '../store/token-store.js';

/**
 * Turns a bearer token into a Principal, or undefined when the token is unknown,
 * expired, revoked, or issued for another audience (RFC 6750 invalid_token).
 * Valid tokens are remembered for a few seconds (AUTH_TOKEN_CACHE_SECONDS);
 * revocation in any process evicts them everywhere through PostgreSQL
 * LISTEN/NOTIFY on the channel the storage adapter notifies.
 */
interface Cached {
  readonly principal: Principal;
  readonly until: number;
}

const TOKEN_SHAPE = /^[A-Za-z0-9._~+/-]{16,4096}=*$/;
const MAX_CACHE = 10_000;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class TokenVerifier {
  private readonly cache = new Map<string, Cached>();
  private listener: PoolClient | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly audience: string,
    private readonly cacheSeconds: number,
    private readonly log: Logger,
  ) {}

  /** Starts listening for revocations (call once; `close` stops). */
  async start(): Promise<void> {
    if (this.cacheSeconds === 0 || this.closed) return;
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      if (this.isClosed()) {
        client.release();
        return;
      }
      const c = client;
      c.on('notification', (msg) => {
        if (msg.payload !== undefined) this.evict(msg.payload);
      });
      c.on('error', () => {
        // Lost the connection: forget everything cached (a missed notification must not keep a revoked token alive) and reconnect.
        if (this.listener !== c) return;
        this.listener = undefined;
        this.cache.clear();
        c.release(true);
        this.retryLater();
      });
      await c.query(`LISTEN ${REVOCATION_CHANNEL}`);
      this.listener = c;
    } catch (err) {
      if (client !== undefined && this.listener !== client) client.release(true);
      this.log.warn({ err: err instanceof Error ? err.message : 'unknown error' }, 'token revocation listener failed; retrying');
      this.retryLater();
    }
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private retryLater(): void {
    if (!this.closed) setTimeout(() => void this.start(), 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const l = this.listener;
    this.listener = undefined;
    if (l !== undefined) {
      await l.query(`UNLISTEN ${REVOCATION_CHANNEL}`).catch(() => undefined);
      l.removeAllListeners('notification');
      l.release();
    }
  }

  /** `token:<hash>` or `grant:<id>` from the adapter. */
  evict(tag: string): void {
    if (tag.startsWith('token:')) {
      this.cache.delete(tag.slice(6));
    } else if (tag.startsWith('grant:')) {
      const grantId = tag.slice(6);
      for (const [k, v] of this.cache) if (v.principal.grantId === grantId) this.cache.delete(k);
    }
  }

  async verify(token: string): Promise<Principal | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const key = tokenKey(token);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.until > now && hit.principal.expiresAt * 1000 > now) return hit.principal;
    if (hit !== undefined) this.cache.delete(key);
    const stored = await findAccessToken(this.pool, token);
    const principal = stored === undefined ? undefined : this.principalOf(stored, key, now);
    if (principal !== undefined && this.cacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHE) this.cache.delete(this.cache.keys().next().value ?? '');
      this.cache.set(key, { principal, until: now + this.cacheSeconds * 1000 });
    }
    return principal;
  }

  private principalOf(t: StoredAccessToken, key: string, now: number): Principal | undefined {
    const p = t.payload;
    if (typeof p.exp !== 'number' || p.exp * 1000 <= now) return undefined;
    const aud = Array.isArray(p.aud) ? p.aud : p.aud === undefined ? [] : [p.aud];
    if (!aud.includes(this.audience)) return undefined;
    const clientId = str(p.clientId);
    if (clientId === undefined) return undefined;
    const scopes = resourceScopes(p.scope);
    const base = { clientId, scopes, tokenHash: `sha256:${key}`, expiresAt: p.exp };
    if (t.kind === 'ClientCredentials') return { kind: 'system', ...base };
    // As token introspection does: the grant must still exist and match (revoking it revokes the token).
    if (t.grant == null || t.grant.clientId !== clientId || t.grant.accountId !== (p.accountId ?? null)) return undefined;
    const extra = p.extra ?? {};
    const defined = principalDetails({
      subject: p.accountId,
      username: extra['__username'],
      role: extra['__role'],
      fhirUser: extra['__fhir_user'],
      patient: extra['patient'],
      ownPatient: extra['__own_patient'],
      encounter: extra['encounter'],
      grantId: p.grantId,
    });
    return { kind: 'user', ...base, ...defined };
  }
}
