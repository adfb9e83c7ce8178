import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Prefix of a sealed value; anything else in the column is a secret stored before sealing. */
export const SEALED_PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that cannot be opened: another key sealed it, or it was altered. */
export class UnreadableSecretError extends Error {
  constructor() {
    super('a stored secret cannot be decrypted (AUTH_SECRET_KEY differs from the key that sealed it, or the value was altered)');
    this.name = 'UnreadableSecretError';
  }
}

/**
 * Secrets the server must read back (TOTP seeds: it computes the expected code) kept
 * encrypted in the database, AES-256-GCM with a key that is not stored there
 * (AUTH_SECRET_KEY, or a key file beside the data). A database dump alone then
 * yields no second factor. Values are `v1.` + base64url(iv ‖ tag ‖ ciphertext).
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`AUTH_SECRET_KEY must hold 32 bytes (base64), not ${key.length}`);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plain value; a value stored before sealing is returned as it is. Throws UnreadableSecretError. */
  open(stored: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new UnreadableSecretError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new UnreadableSecretError();
    }
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(SEALED_PREFIX);
  }
}

/**
 * The box of this deployment: AUTH_SECRET_KEY when set, else the key in
 * `<dataDir>/auth-secret.key`, created (mode 0600) on first use.
 */
export async function loadSecretBox(settings: { readonly authSecretKey: string | null; readonly dataDir: string }): Promise<SecretBox> {
  if (settings.authSecretKey !== null) return new SecretBox(Buffer.from(settings.authSecretKey, 'base64'));
  const file = path.resolve(settings.dataDir, 'auth-secret.key');
  try {
    return new SecretBox(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  // 'wx': two processes starting at once must not both write a key; the loser reads the winner's.
  try {
    await writeFile(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(file, 0o600);
    return new SecretBox(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return new SecretBox(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
  }
}
