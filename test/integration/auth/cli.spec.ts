import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ClientStore, secretMatches } from '../../../server/auth/store/client-store.js';
import { UserStore } from '../../../server/auth/store/user-store.js';
import { verifyPassword } from '../../../server/auth/users/passwords.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { TEST_SECRET_KEY, testDatabaseUrl, testSecretBox } from '../../helpers/server.js';

const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run('npx', ['tsx', 'server/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'silent', AUTH_SECRET_KEY: TEST_SECRET_KEY, ...env },
    timeout: 60_000,
  });
}

describe('CLI: clients and users', function () {
  this.timeout(120_000);
  let pool: Pool;
  before(() => {
    pool = createPool(testDatabaseUrl(), 2);
  });
  after(async () => {
    await pool.end();
  });

  it('clients add registers a confidential client whose secret is shown once and stored hashed', async () => {
    const id = `cli-${randomUUID()}`;
    const { stdout } = await cli(['clients', 'add', '--name', 'CLI app', '--type', 'confidential', '--id', id, '--redirect-uri', 'https://app.example/cb']);
    const secret = /client_secret: (\S+)/.exec(stdout)?.[1] ?? '';
    expect(secret).to.have.length.greaterThan(30);
    const stored = await new ClientStore(pool).find(id);
    expect(stored?.token_endpoint_auth_method).to.equal('client_secret_basic');
    expect(JSON.stringify(stored)).to.not.include(secret);
    expect(secretMatches(stored?.client_secret, secret)).to.equal(true);
    expect(stored?.['smart_scope']).to.include('patient/*.cruds');
    const list = await cli(['clients', 'list']);
    expect(list.stdout).to.include(id);
  });

  it('users add creates an account from a password in the environment, with TOTP', async () => {
    const username = `cli-${randomUUID()}`;
    const { stdout } = await cli(
      ['users', 'add', '--username', username, '--role', 'clinician', '--fhir-user', 'Practitioner/p1', '--name', 'Dr Who', '--password-env', 'NEW_PASSWORD', '--totp'],
      { NEW_PASSWORD: 'correct horse battery' },
    );
    expect(stdout).to.include(`user ${username} (clinician, Practitioner/p1) created`);
    expect(stdout).to.match(/authenticator: otpauth:\/\/totp\//);
    expect(stdout).to.not.include('correct horse battery');
    const u = await new UserStore(pool, testSecretBox()).byUsername(username);
    expect(u?.displayName).to.equal('Dr Who');
    expect(await verifyPassword('correct horse battery', u?.passwordHash ?? '')).to.equal(true);
    expect(u?.totpSecret).to.be.a('string');
  });

  it('refuses bad input with a usage message', async () => {
    let err: { code?: number; stderr?: string } = {};
    try {
      await cli(['users', 'add', '--username', 'x', '--role', 'wizard', '--fhir-user', 'Practitioner/1']);
    } catch (e) {
      err = e as { code?: number; stderr?: string };
    }
    expect(err.code).to.equal(2);
    expect(err.stderr).to.include('usage: users add');
  });
});
