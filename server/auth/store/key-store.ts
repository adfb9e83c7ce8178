import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Pool } from '../../store/db.js';
import { withTransaction } from '../../store/db.js';

/**
 * Signing keys and cookie secrets. None is committed or configured: the first
 * process to start generates them and stores them in PostgreSQL, under an
 * advisory lock, so every process signs and verifies with the same keys.
 * A signing key older than `maxAgeDays` is replaced by a new one (which signs
 * from then on); the old one stays published in the JWKS for as long again, so
 * tokens it signed remain verifiable.
 */
export interface AuthKeys {
  /** Private JWKs, the newest (signing) key first. */
  readonly jwks: { keys: JWK[] };
  readonly cookieKeys: string[];
}

interface KeyRow {
  kid: string;
  use: 'sig' | 'cookie';
  material: JWK | { secret: string };
  age_days: number;
}

async function newSigningKey(): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  // RS256 is what SMART requires for id_tokens (scopes-and-launch-context.html#scopes-for-requesting-identity-data).
  return { kid, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}

/** Loads the keys, creating (or rotating) them first when needed. */
export async function loadOrCreateKeys(pool: Pool, maxAgeDays: number): Promise<AuthKeys> {
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('auth_key'))");
    const read = async (): Promise<KeyRow[]> =>
      (
        await client.query<KeyRow>(
          `SELECT kid, use, material, (extract(epoch FROM now() - created_at) / 86400)::float8 AS age_days
             FROM auth_key ORDER BY created_at DESC, kid`,
        )
      ).rows;
    let rows = await read();
    const signing = rows.filter((r) => r.use === 'sig');
    const newest = signing[0];
    if (newest === undefined || (maxAgeDays > 0 && newest.age_days >= maxAgeDays)) {
      const { kid, jwk } = await newSigningKey();
      await client.query("INSERT INTO auth_key (kid, use, material) VALUES ($1, 'sig', $2)", [kid, JSON.stringify(jwk)]);
    }
    if (!rows.some((r) => r.use === 'cookie')) {
      const secret = randomBytes(32).toString('base64url');
      await client.query("INSERT INTO auth_key (kid, use, material) VALUES ($1, 'cookie', $2)", [
        `cookie-${randomBytes(8).toString('hex')}`,
        JSON.stringify({ secret }),
      ]);
    }
    rows = await read();
    const keep = (r: KeyRow): boolean => maxAgeDays === 0 || r.age_days < 2 * maxAgeDays;
    const keys = rows.filter((r) => r.use === 'sig').filter((r, i) => i === 0 || keep(r)).map((r) => r.material as JWK);
    const cookieKeys = rows.filter((r) => r.use === 'cookie').map((r) => (r.material as { secret: string }).secret);
    return { jwks: { keys }, cookieKeys };
  });
}
