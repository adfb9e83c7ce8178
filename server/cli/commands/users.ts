import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../../auth/policy/roles.js';
import { UserStore } from '../../auth/store/user-store.js';
import { hashPassword, newTotpSecret } from '../../auth/users/passwords.js';
import { loadSecretBox } from '../../auth/users/secret-box.js';
import { createPool } from '../../store/db.js';
import type { CliCommand, CliContext } from '../command.js';
import { openDatabase } from '../database.js';

/**
 * `users add|list|unlock`: staff and patient accounts, each linked to the FHIR
 * resource the person is. Passwords come from an environment variable (never
 * the command line, which other users can see) or are generated and printed once.
 */
const USAGE = `users add --username NAME --role ${ROLES.join('|')} --fhir-user Practitioner/ID|Patient/ID|RelatedPerson/ID [--name "Display Name"] [--password-env VAR] [--totp]
  users list
  users unlock USERNAME`;

async function add(args: readonly string[], ctx: CliContext, store: UserStore): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      'fhir-user': { type: 'string' },
      name: { type: 'string' },
      'password-env': { type: 'string' },
      totp: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const { username, role } = values;
  const fhirUser = values['fhir-user'];
  if (username === undefined || role === undefined || !isRole(role) || fhirUser === undefined || !/^(Practitioner|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/.test(fhirUser)) {
    ctx.err(`usage: ${USAGE}`);
    return 2;
  }
  if (role === 'patient' && fhirUser.startsWith('Practitioner/')) {
    ctx.err('a patient account links to a Patient or RelatedPerson');
    return 2;
  }
  const envName = values['password-env'];
  const fromEnv = envName === undefined ? undefined : process.env[envName];
  if (envName !== undefined && (fromEnv === undefined || fromEnv.length < 8)) {
    ctx.err(`${envName} must hold a password of at least 8 characters`);
    return 2;
  }
  const password = fromEnv ?? randomBytes(12).toString('base64url');
  const totp = values.totp ? newTotpSecret(username, 'FHIR PMS') : undefined;
  const user = await store.create({
    username,
    passwordHash: await hashPassword(password),
    role,
    fhirUser,
    displayName: values.name ?? username,
    totpSecret: totp?.secret ?? null,
  });
  ctx.out(`user ${user.username} (${user.role}, ${user.fhirUser}) created, id ${user.id}`);
  if (fromEnv === undefined) ctx.out(`password: ${password}   (shown once)`);
  if (totp !== undefined) ctx.out(`authenticator: ${totp.uri}`);
  return 0;
}

export const users: CliCommand = {
  name: 'users',
  summary: 'create, list or unlock staff and patient accounts',
  usage: 'users add|list|unlock ...',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub !== 'add' && sub !== 'list' && sub !== 'unlock') {
      ctx.err(`usage: ${USAGE}`);
      return 2;
    }
    const db = await openDatabase(ctx.config);
    const pool = createPool(db.url, 2);
    try {
      const store = new UserStore(pool, await loadSecretBox(ctx.config));
      if (sub === 'add') return await add(rest, ctx, store);
      if (sub === 'unlock') {
        const ok = rest[0] !== undefined && (await store.unlock(rest[0]));
        ctx.out(ok ? `unlocked ${String(rest[0])}` : 'no such user');
        return ok ? 0 : 1;
      }
      for (const u of await store.list()) {
        const locked = u.lockedUntil !== null && u.lockedUntil.getTime() > Date.now() ? ' (locked)' : '';
        ctx.out(`${u.username}\t${u.role}\t${u.fhirUser}\t${u.totpSecret === null ? '' : 'totp'}${locked}`);
      }
      return 0;
    } finally {
      await pool.end();
      await db.close();
    }
  },
};
