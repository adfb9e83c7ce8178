import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { AuditRecord } from '../../../server/audit/audit-record.js';
import { AUDIT_TOPIC } from '../../../server/audit/audit-record.js';
import { AuditWorker } from '../../../server/audit/audit-worker.js';
import { loadConfig } from '../../../server/config/load.js';
import type { Repository } from '../../../server/fhir/repository/repository.js';
import { createFhirServices } from '../../../server/fhir/services.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { ResourceStore } from '../../../server/store/resource-store.js';
import { sharedValidator, testDatabaseUrl } from '../../helpers/server.js';

/** The audit worker: outbox rows become AuditEvent resources, a claim at a time, exactly once each. */
const BASE = 'https://pms.example/fhir';
const SOURCE = { baseUrl: BASE, issuer: 'https://pms.example/auth', softwareName: 'fhir-pms-test' };

describe('audit/audit-worker (outbox rows to AuditEvents)', function () {
  this.timeout(60_000);
  let pool: Pool;
  let repository: Repository;
  const run = randomUUID().slice(0, 8);

  function rec(i: number): AuditRecord {
    return {
      kind: 'rest',
      recorded: '2026-11-27T10:00:00.000Z',
      action: 'R',
      outcome: '0',
      interaction: 'read',
      agent: { kind: 'system', clientId: 'worker-test', tokenHash: 'sha256:abc' },
      resources: [`Patient/w-${run}-${i}/_history/1`],
      patients: [`w-${run}-${i}`],
      requestId: `w-${run}-${i}`,
    };
  }

  /** Adds records to the outbox; returns their row ids in order. */
  async function enqueueRecords(from: number, n: number): Promise<string[]> {
    const r = await pool.query<{ id: string }>(
      'INSERT INTO outbox (topic, payload) SELECT $1, value FROM json_array_elements($2::json) WITH ORDINALITY AS t(value, i) ORDER BY i RETURNING id::text AS id',
      [AUDIT_TOPIC, JSON.stringify(Array.from({ length: n }, (_, k) => rec(from + k)))],
    );
    return r.rows.map((row) => row.id).sort((a, b) => Number(a) - Number(b));
  }

  async function stored(ids: readonly string[]): Promise<Map<string, { version: number; requestId: string }>> {
    const r = await pool.query<{ id: string; version: number; rid: string }>(
      `SELECT id, version_id AS version, jsonb_path_query_first(content, '$.entity[*] ? (@.type.code == "XrequestId").what.identifier.value') #>> '{}' AS rid FROM resource
        WHERE resource_type = 'AuditEvent' AND id = ANY($1::text[])`,
      [ids.map((id) => `audit-${id}`)],
    );
    return new Map(r.rows.map((row) => [row.id, { version: row.version, requestId: row.rid }]));
  }

  before(() => {
    pool = createPool(testDatabaseUrl(), 5);
    ({ repository } = createFhirServices(new ResourceStore(pool), sharedValidator(), loadConfig({}, { logLevel: 'silent' }), BASE));
  });
  after(async () => {
    await pool.end();
  });

  it('writes one AuditEvent per outbox row, batch after batch, and deletes the rows', async () => {
    const ids = await enqueueRecords(0, 25);
    const worker = new AuditWorker(pool, repository, SOURCE, pino({ level: 'silent' }), { intervalMs: 1000, batchSize: 10 });
    expect(await worker.runOnce()).to.be.at.least(25);
    const events = await stored(ids);
    expect(events.size).to.equal(25);
    for (const [k, id] of ids.entries()) expect(events.get(`audit-${id}`)).to.deep.equal({ version: 1, requestId: `w-${run}-${k}` });
    const left = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
    expect(left.rows[0]?.n).to.equal(0);
  });

  it('skips AuditEvents an earlier run wrote before dying, writing the rest of the claim', async () => {
    const ids = await enqueueRecords(100, 5);
    // As if a worker had stored the AuditEvent of the third row and died before deleting the row.
    const middle = ids[2] ?? '';
    const writer = new AuditWorker(pool, repository, SOURCE, pino({ level: 'silent' }), { intervalMs: 1000 });
    await pool.query('UPDATE outbox SET available_at = now() + interval \'1 hour\' WHERE id = ANY($1::bigint[])', [ids.filter((id) => id !== middle)]);
    expect(await writer.runOnce()).to.be.at.least(1);
    await pool.query('INSERT INTO outbox (id, topic, payload) SELECT $1::bigint, $2, $3::json', [middle, AUDIT_TOPIC, JSON.stringify(rec(102))]);
    await pool.query('UPDATE outbox SET available_at = now() WHERE id = ANY($1::bigint[])', [ids]);
    expect(await writer.runOnce()).to.be.at.least(5);
    const events = await stored(ids);
    expect(events.size).to.equal(5);
    expect([...events.values()].map((e) => e.version)).to.deep.equal([1, 1, 1, 1, 1]);
    const left = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
    expect(left.rows[0]?.n).to.equal(0);
  });
});
