// Auth benchmark (issue #6): read throughput with SMART authorization and
// auditing (AUTH_MODE=smart, a Backend Services token, every read audited)
// against the same reads without either (AUTH_MODE=none), server processes on
// one database in the same run, measured in alternating rounds:
//   none      AUTH_MODE=none
//   deferred  AUTH_MODE=smart, no audit worker running anywhere (AUDIT_WORKER_INTERVAL_MS=0):
//             the request path only (token check, screening, durable outbox row)
//   smart     AUTH_MODE=smart with its audit worker turning rows into AuditEvents meanwhile
// Phase 1 alternates none / deferred; phase 2 starts the smart process (whose worker first
// drains phase 1's rows) and alternates none / smart, waiting after each smart round for the
// outbox to drain and reporting how long that took.
// Prints a table and writes bench/results/auth.json.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { ClientStore, clientMetadata } from '../server/auth/store/client-store.js';
import { createPool } from '../server/store/db.js';
import { startEmbeddedDatabase } from '../server/store/embedded.js';
import { migrateLatest } from '../server/store/migrate.js';
import { ROOT, child, load, waitFor, type Load } from './support.js';

const args = process.argv.slice(3);
const duration = Number(args[args.indexOf('--duration') + 1] ?? 10) || 10;
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 3) || 3;
// `--request-path-only`: skip phase 2 (the audit worker), for quick comparisons.
const requestPathOnly = args.includes('--request-path-only');





const PATIENT = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Chalmers', given: ['Peter'] }], gender: 'male', birthDate: '1974-12-25' });

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-auth-'));
const db = await startEmbeddedDatabase({ dataDir: dir, port: 54391, database: 'bench', persistent: false, durable: true });
const pool = createPool(db.connectionString, 4);
const servers: ChildProcess[] = [];
try {
  await migrateLatest(db.connectionString);
  const env = { DATABASE_URL: db.connectionString, LOG_LEVEL: 'warn' };
  const open = child('server/main.ts', [], { ...env, PORT: '18090', AUTH_MODE: 'none' });
  // Both smart processes answer for one public base (as behind one proxy), so one token serves both.
  const shared = { ...env, AUTH_MODE: 'smart', BASE_URL: 'http://127.0.0.1:18091/fhir' };
  const deferred = child('server/main.ts', [], { ...shared, PORT: '18091', AUDIT_WORKER_INTERVAL_MS: '0' });
  servers.push(open, deferred);
  for (const port of [18090, 18091]) await waitFor(`http://127.0.0.1:${port}/readyz`);

  const ids: string[] = [];
  for (let i = 0; i < 2000; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const r = await fetch('http://127.0.0.1:18090/fhir/Patient', { method: 'POST', body: PATIENT, headers: { 'content-type': 'application/fhir+json' } });
        return ((await r.json()) as { id: string }).id;
      }),
    );
    ids.push(...batch);
  }

  // A Backend Services client (private_key_jwt, ES384), registered as `npm run cli -- clients add` does.
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid: 'bench' };
  const { metadata } = clientMetadata({ clientId: 'bench-backend', name: 'Bench', kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope: 'system/Patient.rs' });
  await new ClientStore(pool).add(metadata);
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain HTTP on loopback
  const config = await client.discovery(new URL('http://127.0.0.1:18091/auth'), 'bench-backend', undefined, client.PrivateKeyJwt(privateKey, { [client.modifyAssertion]: (h) => { h.kid = 'bench'; } }), { execute: [client.allowInsecureRequests] });
  const newToken = async (): Promise<string> => (await client.clientCredentialsGrant(config, { scope: 'system/Patient.rs' })).access_token;
  let token = await newToken();

  const paths = ids.map((id) => `/fhir/Patient/${id}`);
  const PORTS = { none: 18090, deferred: 18091, smart: 18092 } as const;
  // `none` is measured next to each other mode, in the same phase: the machine's load changes between phases.
  const results: Record<'none' | 'noneBesideSmart' | 'deferred' | 'smart', Load[]> = { none: [], noneBesideSmart: [], deferred: [], smart: [] };
  const drains: number[] = [];
  const pendingAudit = async (): Promise<number> => (await pool.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE topic = 'audit'")).rows[0]?.n ?? 0;
  const measure = async (who: keyof typeof PORTS, round: number, into: keyof typeof results = who): Promise<void> => {
    // Backend tokens live AUTH_BACKEND_TOKEN_TTL (300 s): a fresh one per round.
    if (who !== 'none') token = await newToken();
    const r = await load({
      url: `http://127.0.0.1:${PORTS[who]}`,
      method: 'GET',
      paths,
      connections: 32,
      duration,
      ...(who === 'none' ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
    results[into].push(r);
    process.stdout.write(`read c=32 ${who.padEnd(8)} (round ${round + 1}): ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms non2xx ${r.non2xx}\n`);
  };
  const mean = (xs: readonly Load[]): number => xs.reduce((a, x) => a + x.rps, 0) / Math.max(1, xs.length);
  const ratio = (a: readonly Load[], b: readonly Load[]): number => Math.round((mean(a) / mean(b)) * 1000) / 1000;
  const drain = async (): Promise<number> => {
    const start = Date.now();
    while ((await pendingAudit()) > 0 && Date.now() - start < 900_000) await new Promise((res) => setTimeout(res, 250));
    return Math.round((Date.now() - start) / 100) / 10;
  };
  async function phase2(): Promise<number> {
    const smart = child('server/main.ts', [], { ...shared, PORT: '18092' });
    servers.push(smart);
    await waitFor('http://127.0.0.1:18092/readyz');
    const firstDrain = await drain();
    process.stdout.write(`  the smart process's worker turned phase 1's ${backlog} rows into AuditEvents in ${firstDrain} s\n`);
    token = await newToken();
    await load({ url: 'http://127.0.0.1:18092', method: 'GET', paths, connections: 8, duration: 3, headers: { authorization: `Bearer ${token}` } });
    await drain();
    for (let round = 0; round < rounds; round += 1) {
      await measure('none', round, 'noneBesideSmart');
      await measure('smart', round);
      const seconds = await drain();
      drains.push(seconds);
      process.stdout.write(`  audit outbox drained ${seconds} s after the round\n`);
    }
    return firstDrain;
  }
  // Warm-up (not measured): JIT, the compartment definitions, the token cache, connection pools.
  for (const url of ['http://127.0.0.1:18090', 'http://127.0.0.1:18091']) {
    await load({ url, method: 'GET', paths, connections: 8, duration: 3, headers: { authorization: `Bearer ${token}` } });
  }
  for (let round = 0; round < rounds; round += 1) {
    await measure('none', round);
    await measure('deferred', round);
  }
  const backlog = await pendingAudit();
  if (requestPathOnly) process.stdout.write(`request path only: ${ratio(results.deferred, results.none)} of AUTH_MODE=none\n`);
  const first = requestPathOnly ? 0 : await phase2();
  const auditEvents = (await pool.query<{ n: number }>("SELECT count(*) AS n FROM resource WHERE resource_type = 'AuditEvent'")).rows[0]?.n ?? 0;
  const summary = {
    date: new Date().toISOString(),
    durationSeconds: duration,
    rounds,
    results,
    ratios: { deferredOverNone: ratio(results.deferred, results.none), smartOverNone: ratio(results.smart, results.noneBesideSmart) },
    audit: { auditEvents, phase1Backlog: backlog, secondsToWritePhase1Backlog: first, secondsToDrainAfterEachSmartRound: drains },
  };
  process.stdout.write(
    `\nread throughput / AUTH_MODE=none: request path only ${summary.ratios.deferredOverNone}, with the audit worker running ${summary.ratios.smartOverNone}\n` +
      `AuditEvents written: ${auditEvents}; outbox drained ${drains.join(' s, ')} s after each smart round\n`,
  );
  writeFileSync(path.join(ROOT, 'bench/results/auth.json'), `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  for (const s of servers) s.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  await pool.end();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
