import type { AuditRecord } from '../../audit/audit-record.js';
import type { UserRecord, UserStore } from '../store/user-store.js';
import { DUMMY_HASH, verifyPassword, verifyTotp } from '../users/passwords.js';

/**
 * Password (+ optional TOTP) sign-in with lock-out: after AUTH_LOCKOUT_THRESHOLD
 * consecutive failures the account is locked for AUTH_LOCKOUT_SECONDS. Unknown
 * users cost the same scrypt time as known ones, and every failure gives the
 * same answer, so the form does not reveal which usernames exist. Each attempt
 * is audited (DICOM 110114 User Authentication / 110122 Login).
 */
export interface LoginPolicy {
  readonly threshold: number;
  readonly lockSeconds: number;
}

export type LoginResult = { readonly ok: true; readonly user: UserRecord } | { readonly ok: false; readonly reason: string };

export async function checkLogin(
  users: UserStore,
  policy: LoginPolicy,
  username: string,
  password: string,
  code: string,
): Promise<LoginResult> {
  const user = username === '' ? undefined : await users.byUsername(username);
  if (user === undefined || user.disabled) {
    await verifyPassword(password, DUMMY_HASH);
    return { ok: false, reason: user === undefined ? 'unknown user' : 'account disabled' };
  }
  if (user.lockedUntil !== null && user.lockedUntil.getTime() > Date.now()) {
    await verifyPassword(password, DUMMY_HASH);
    return { ok: false, reason: 'account locked' };
  }
  let ok = await verifyPassword(password, user.passwordHash);
  // A seed this server cannot decrypt (another AUTH_SECRET_KEY): the sign-in fails, as for a
  // wrong code, but the audit record says why and it does not count towards a lock-out.
  if (ok && user.totpUnreadable) return { ok: false, reason: 'the TOTP secret cannot be decrypted with this AUTH_SECRET_KEY' };
  if (ok && user.totpSecret !== null) ok = await verifyTotp(user.totpSecret, code);
  if (!ok) {
    const locked = await users.recordFailure(user.id, policy.threshold, policy.lockSeconds);
    return { ok: false, reason: locked ? 'wrong credentials; account now locked' : 'wrong credentials' };
  }
  await users.recordSuccess(user.id);
  return { ok: true, user };
}

/** The audit record of a sign-in attempt (never the password or code). */
export function loginAudit(
  username: string,
  result: LoginResult,
  clientId: string | undefined,
  address: string,
): AuditRecord {
  return {
    kind: 'login',
    recorded: new Date().toISOString(),
    action: 'E',
    outcome: result.ok ? '0' : '4',
    agent: {
      kind: 'user',
      username,
      ...(result.ok ? { userId: result.user.id, fhirUser: result.user.fhirUser, role: result.user.role } : {}),
      ...(clientId === undefined ? {} : { clientId }),
      address,
    },
    resources: [],
    patients: [],
    ...(result.ok ? {} : { description: `Sign-in failed: ${result.reason}` }),
  };
}
