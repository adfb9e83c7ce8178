import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSecretBox, SecretBox, UnreadableSecretError } from '../../../server/auth/users/secret-box.js';

describe('auth: secret box (TOTP seeds at rest)', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals so that only the same key opens, with a fresh IV each time', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP');
    const b = box.seal('JBSWY3DPEHPK3PXP');
    expect(a).to.match(/^v1\./);
    expect(a).to.not.include('JBSWY3DPEHPK3PXP');
    expect(a).to.not.equal(b);
    expect(box.open(a)).to.equal('JBSWY3DPEHPK3PXP');
    expect(() => new SecretBox(randomBytes(32)).open(a)).to.throw(UnreadableSecretError);
  });

  it('refuses an altered value, and passes a value stored before sealing through', () => {
    const sealed = box.seal('secret');
    // Flip one bit of the ciphertext (editing a base64 character could touch only padding bits).
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => box.open(`v1.${raw.toString('base64url')}`)).to.throw(UnreadableSecretError);
    expect(() => box.open('v1.')).to.throw(UnreadableSecretError);
    expect(box.open('JBSWY3DPEHPK3PXP')).to.equal('JBSWY3DPEHPK3PXP');
  });

  it('takes AUTH_SECRET_KEY (32 bytes), else creates a key file readable by its owner only and reuses it', async () => {
    const key = randomBytes(32).toString('base64');
    const fromSetting = await loadSecretBox({ authSecretKey: key, dataDir: '/nonexistent' });
    expect(new SecretBox(Buffer.from(key, 'base64')).open(fromSetting.seal('x'))).to.equal('x');
    const rejected = await loadSecretBox({ authSecretKey: randomBytes(16).toString('base64'), dataDir: '/nonexistent' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(String(rejected)).to.include('32 bytes');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'secret-box-'));
    try {
      const first = await loadSecretBox({ authSecretKey: null, dataDir: dir });
      const file = path.join(dir, 'auth-secret.key');
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).to.have.length(32);
      const again = await loadSecretBox({ authSecretKey: null, dataDir: dir });
      expect(again.open(first.seal('y'))).to.equal('y');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
