import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createPool, type Pool } from '../../../server/store/db.js';
import { migrateLatest } from '../../../server/store/migrate.js';
import { startTestServer, testDatabaseUrl, type TestServer } from '../../helpers/server.js';
import { postBundle, responseEntries } from './helpers.js';
import { watchOverlappingQueries } from '../../helpers/pg-overlap.js';
import { sharedDataDir } from '../../helpers/shared-data.js';

/**
 * Issue #4's acceptance test: the whole shared Synthea sample (DESIGN.md section 5)
 * through HTTP transaction Bundles, into a database of its own so that counts are exact.
 */
const DIR = sharedDataDir('synthea');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const information = files.filter((f) => f.startsWith('0-') && f.includes('Information'));
const patients = files.filter((f) => !information.includes(f));

interface FileBundle {
  entry: { resource: { resourceType: string }; request: { ifNoneExist?: string } }[];
}
const read = (f: string): string => readFileSync(path.join(DIR, f), 'utf8');

function countsInFiles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) {
    for (const e of (JSON.parse(read(f)) as FileBundle).entry) counts.set(e.resource.resourceType, (counts.get(e.resource.resourceType) ?? 0) + 1);
  }
  return counts;
}

async function storedCounts(pool: Pool): Promise<Map<string, number>> {
  const r = await pool.query<{ t: string; n: number }>('SELECT resource_type AS t, count(*)::int AS n FROM resource WHERE NOT deleted GROUP BY 1');
  return new Map(r.rows.map((row) => [row.t, row.n]));
}

/** Every literal `reference` string in every stored resource, with whether it resolves to a stored resource. */
const REFERENCES = `
  WITH refs AS (
    SELECT v #>> '{}' AS ref
      FROM resource r, LATERAL jsonb_path_query(r.content, 'strict $.**.reference') v
     WHERE NOT r.deleted AND jsonb_typeof(v) = 'string')
  SELECT count(*)::int AS total,
         count(*) FILTER (WHERE ref LIKE 'urn:%')::int AS placeholders,
         count(*) FILTER (WHERE ref LIKE '%?%')::int AS conditional,
         count(*) FILTER (WHERE ref NOT LIKE '#%' AND NOT EXISTS (
           SELECT 1 FROM resource t WHERE t.resource_type = split_part(ref, '/', 1) AND t.id = split_part(ref, '/', 2) AND NOT t.deleted))::int AS dangling,
         count(*) FILTER (WHERE ref LIKE '#%')::int AS contained
    FROM refs`;

describe('Bundles: the whole Synthea sample over HTTP', function () {
  this.timeout(600_000);
  const database = `fhir_synthea_${randomBytes(6).toString('hex')}`;
  let admin: Pool;
  let s: TestServer;

  before(async () => {
    admin = createPool(testDatabaseUrl(), 1);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${database}`;
    await migrateLatest(url.toString());
    // With a validation thread (VALIDATION_THREADS=1): the whole sample through that path too.
    s = await startTestServer({ validationThreads: 1 }, url.toString());
  });
  after(async () => {
    await s.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.end();
  });

  it('loads the two information batches, then every patient transaction four at a time, one statement at a time per connection', async () => {
    const watch = watchOverlappingQueries();
    for (const f of information) {
      const r = await postBundle(s.base, JSON.parse(read(f)), { prefer: 'return=minimal' });
      expect(r.status, f).to.equal(200);
      expect(responseEntries(r).every((e) => e.response.status === '201 Created'), f).to.equal(true);
    }
    const queue = [...patients];
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        const r = await postBundle(s.base, JSON.parse(read(f)), { prefer: 'return=minimal' });
        if (r.status !== 200 || !responseEntries(r).every((e) => e.response.status === '201 Created')) failures.push(`${f}: ${r.status} ${r.text.slice(0, 300)}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    watch.stop();
    expect(failures).to.deep.equal([]);
    expect(watch.overlapping(), 'queries started while their connection ran another').to.equal(0);
  });

  it('stores exactly as many resources of each type as the files hold', async () => {
    expect(Object.fromEntries(await storedCounts(s.pool))).to.deep.equal(Object.fromEntries(countsInFiles()));
  });

  it('leaves no urn:uuid or conditional reference behind, and every reference resolves to a stored resource', async () => {
    const r = await s.pool.query<{ total: number; placeholders: number; conditional: number; dangling: number; contained: number }>(REFERENCES);
    const row = r.rows[0];
    expect(row?.total).to.be.greaterThan(100_000);
    expect(row?.contained).to.be.greaterThan(0);
    expect(row).to.include({ placeholders: 0, conditional: 0, dangling: 0 });
  });

  it('loading the information bundles again creates nothing new where they create conditionally', async () => {
    const before = await storedCounts(s.pool);
    let unconditional = 0;
    for (const f of information) {
      const body = JSON.parse(read(f)) as FileBundle;
      const r = await postBundle(s.base, body, { prefer: 'return=minimal' });
      expect(r.status).to.equal(200);
      responseEntries(r).forEach((e, i) => {
        const conditional = body.entry[i]?.request.ifNoneExist !== undefined;
        if (!conditional) unconditional += 1;
        // http.html#ccreate: a match is returned (200); a POST without ifNoneExist always creates (201).
        expect(e.response.status).to.equal(conditional ? '200 OK' : '201 Created');
      });
    }
    const after = await storedCounts(s.pool);
    for (const type of ['Organization', 'Location', 'Practitioner']) expect(after.get(type), type).to.equal(before.get(type));
    // The practitioner bundle posts its 195 PractitionerRoles without ifNoneExist, so the spec makes them new resources.
    expect(unconditional).to.equal(195);
    expect(after.get('PractitionerRole')).to.equal((before.get('PractitionerRole') ?? 0) + unconditional);
  });
});
