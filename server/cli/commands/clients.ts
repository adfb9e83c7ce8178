import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ClientStore, clientMetadata, type ClientKind } from '../../auth/store/client-store.js';
import { createPool } from '../../store/db.js';
import type { CliCommand, CliContext } from '../command.js';
import { openDatabase } from '../database.js';

/**
 * `clients add|list|remove`: SMART client registration (stored in PostgreSQL).
 * A confidential symmetric client's secret is printed once and stored hashed.
 */
const USAGE = `clients add --name NAME --type public|confidential|backend [--id ID] [--redirect-uri URI]... [--scope "SCOPES"] [--jwks-uri URL | --jwks-file FILE]
  clients list
  clients remove ID`;

const KINDS: readonly ClientKind[] = ['public', 'confidential', 'backend'];

async function add(args: readonly string[], ctx: CliContext, store: ClientStore): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      name: { type: 'string' },
      type: { type: 'string' },
      id: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
      'jwks-uri': { type: 'string' },
      'jwks-file': { type: 'string' },
    },
    strict: true,
  });
  const kind = values.type as ClientKind | undefined;
  if (values.name === undefined || kind === undefined || !KINDS.includes(kind)) {
    ctx.err(`usage: ${USAGE}`);
    return 2;
  }
  const jwks = values['jwks-file'] === undefined ? undefined : (JSON.parse(readFileSync(values['jwks-file'], 'utf8')) as { keys: Record<string, unknown>[] });
  const { metadata, secret } = clientMetadata({
    name: values.name,
    kind,
    redirectUris: values['redirect-uri'] ?? [],
    ...(values.id === undefined ? {} : { clientId: values.id }),
    ...(values.scope === undefined ? {} : { scope: values.scope }),
    ...(values['jwks-uri'] === undefined ? {} : { jwksUri: values['jwks-uri'] }),
    ...(jwks === undefined ? {} : { jwks }),
  });
  await store.add(metadata);
  ctx.out(`client_id: ${metadata.client_id}`);
  ctx.out(`token_endpoint_auth_method: ${String(metadata.token_endpoint_auth_method)}`);
  ctx.out(`scope: ${String(metadata.scope)}`);
  if (secret !== undefined) ctx.out(`client_secret: ${secret}   (shown once; only its hash is stored)`);
  return 0;
}

export const clients: CliCommand = {
  name: 'clients',
  summary: 'register, list or remove SMART clients',
  usage: 'clients add|list|remove ...',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub !== 'add' && sub !== 'list' && sub !== 'remove') {
      ctx.err(`usage: ${USAGE}`);
      return 2;
    }
    const db = await openDatabase(ctx.config);
    const pool = createPool(db.url, 2);
    try {
      const store = new ClientStore(pool);
      if (sub === 'add') return await add(rest, ctx, store);
      if (sub === 'remove') {
        const removed = rest[0] !== undefined && (await store.remove(rest[0]));
        ctx.out(removed ? `removed ${String(rest[0])}` : 'no such client');
        return removed ? 0 : 1;
      }
      for (const c of await store.list()) {
        ctx.out(`${c.client_id}\t${String(c.token_endpoint_auth_method)}\t${c.client_name ?? ''}\t${c.scope ?? ''}`);
      }
      return 0;
    } finally {
      await pool.end();
      await db.close();
    }
  },
};
