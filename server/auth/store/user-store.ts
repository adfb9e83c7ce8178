import { randomUUID } from 'node:crypto';
import type { Pool } from '../../store/db.js';
import type { Role } from '../policy/roles.js';
import { SEALED_PREFIX, UnreadableSecretError, type SecretBox } from '../users/secret-box.js';

/** A staff or patient account (passwords are scrypt hashes; see users/passwords.ts). */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly role: Role;
  /** `Practitioner/…`, `Patient/…` or `RelatedPerson/…` (relative to the FHIR base). */
  readonly fhirUser: string;
  readonly displayName: string;
  /** The TOTP seed, decrypted (stored sealed: users/secret-box.ts). */
  readonly totpSecret: string | null;
  /** A TOTP seed is stored but cannot be decrypted with this server's key: the sign-in must fail. */
  readonly totpUnreadable: boolean;
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
  readonly disabled: boolean;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  fhir_user: string;
  display_name: string;
  totp_secret: string | null;
  failed_attempts: number;
  locked_until: Date | null;
  disabled: boolean;
}

const COLUMNS = 'id, username, password_hash, role, fhir_user, display_name, totp_secret, failed_attempts, locked_until, disabled';

function toRecord(r: UserRow, box: SecretBox): UserRecord {
  let totpSecret: string | null = null;
  let totpUnreadable = false;
  if (r.totp_secret !== null) {
    try {
      totpSecret = box.open(r.totp_secret);
    } catch (err) {
      if (!(err instanceof UnreadableSecretError)) throw err;
      totpUnreadable = true;
    }
  }
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    fhirUser: r.fhir_user,
    displayName: r.display_name,
    totpSecret,
    totpUnreadable,
    failedAttempts: r.failed_attempts,
    lockedUntil: r.locked_until,
    disabled: r.disabled,
  };
}

export interface NewUser {
  readonly username: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly fhirUser: string;
  readonly displayName: string;
  readonly totpSecret: string | null;
}

/** Users in PostgreSQL (`auth_user`); TOTP seeds are sealed with `box`. */
export class UserStore {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  /**
   * Seals TOTP seeds stored in plain form (by a version before sealing); returns how
   * many. Run at start-up; a row sealed meanwhile by another process is left alone.
   */
  async sealPlainSecrets(): Promise<number> {
    const r = await this.pool.query<{ id: string; totp_secret: string }>(
      'SELECT id, totp_secret FROM auth_user WHERE totp_secret IS NOT NULL AND NOT starts_with(totp_secret, $1)',
      [SEALED_PREFIX],
    );
    let sealed = 0;
    for (const row of r.rows) {
      const u = await this.pool.query('UPDATE auth_user SET totp_secret = $2 WHERE id = $1 AND totp_secret = $3', [row.id, this.box.seal(row.totp_secret), row.totp_secret]);
      sealed += u.rowCount ?? 0;
    }
    return sealed;
  }

  async create(u: NewUser): Promise<UserRecord> {
    const r = await this.pool.query<UserRow>(
      `INSERT INTO auth_user (id, username, password_hash, role, fhir_user, display_name, totp_secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [randomUUID(), u.username, u.passwordHash, u.role, u.fhirUser, u.displayName, u.totpSecret === null ? null : this.box.seal(u.totpSecret)],
    );
    const row = r.rows[0];
    if (row === undefined) throw new Error('user insert returned nothing');
    return toRecord(row, this.box);
  }

  async byUsername(username: string): Promise<UserRecord | undefined> {
    const r = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM auth_user WHERE username = $1`, [username]);
    return r.rows[0] === undefined ? undefined : toRecord(r.rows[0], this.box);
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const r = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM auth_user WHERE id = $1`, [id]);
    return r.rows[0] === undefined ? undefined : toRecord(r.rows[0], this.box);
  }

  async list(): Promise<UserRecord[]> {
    const r = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM auth_user ORDER BY username`);
    return r.rows.map((row) => toRecord(row, this.box));
  }

  /**
   * Counts a failed sign-in; the `threshold`-th consecutive failure locks the
   * account for `lockSeconds` (and starts the count again). Returns whether it is now locked.
   */
  async recordFailure(id: string, threshold: number, lockSeconds: number): Promise<boolean> {
    const r = await this.pool.query<{ locked: boolean }>(
      `UPDATE auth_user
          SET locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END,
              failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END
        WHERE id = $1
        RETURNING coalesce(locked_until > now(), false) AS locked`,
      [id, threshold, lockSeconds],
    );
    return r.rows[0]?.locked ?? false;
  }

  async recordSuccess(id: string): Promise<void> {
    await this.pool.query('UPDATE auth_user SET failed_attempts = 0, locked_until = NULL WHERE id = $1', [id]);
  }

  async unlock(username: string): Promise<boolean> {
    const r = await this.pool.query('UPDATE auth_user SET failed_attempts = 0, locked_until = NULL WHERE username = $1', [username]);
    return (r.rowCount ?? 0) > 0;
  }
}
