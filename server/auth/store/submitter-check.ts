import type { Pool } from '../../store/db.js';
import type { Principal } from '../policy/principal.js';

const STANDING = `
  SELECT EXISTS (SELECT 1 FROM auth_client WHERE client_id = $1) AS client,
         (SELECT NOT disabled FROM auth_user WHERE id = $2) AS user_active,
         ($3::text IS NULL OR EXISTS (
           SELECT 1 FROM auth_oidc WHERE kind = 'Grant' AND id = $3 AND (expires_at IS NULL OR expires_at > now()))) AS grant_live`;

/**
 * Why the submitter of a background job (`$import`) may no longer act, or undefined
 * when they still may. A job outlives its token (which may simply expire while a
 * large load runs), so it is not the token that is checked but what stands behind
 * it: the client is still registered, and for a user, the account is still enabled
 * and the grant the token came from still exists (revoking it revokes the tokens).
 */
export async function withdrawnReason(pool: Pool, p: Principal): Promise<string | undefined> {
  const user = p.kind === 'user';
  const r = await pool.query<{ client: boolean; user_active: boolean | null; grant_live: boolean }>(STANDING, [
    p.clientId,
    user ? (p.subject ?? '') : '',
    user ? (p.grantId ?? null) : null,
  ]);
  const row = r.rows[0];
  if (row?.client !== true) return `the client ${p.clientId} is no longer registered`;
  if (user && row.user_active !== true) return 'the user account that submitted it is disabled or removed';
  if (user && !row.grant_live) return "the user's permission for the client (the grant its token came from) was revoked";
  return undefined;
}
