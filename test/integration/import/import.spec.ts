import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../../server/config/load.js';
import { BundleProcessor } from '../../../server/fhir/bundle/bundle-processor.js';
import { expandPaths } from '../../../server/import/import-files.js';
import { Importer } from '../../../server/import/importer.js';
import { createFhirServices } from '../../../server/fhir/services.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { ResourceStore } from '../../../server/store/resource-store.js';
import { TEXT_KIND } from '../../../server/store/search/text.js';
import { sharedValidator, testDatabaseUrl } from '../../helpers/server.js';
import { countByIdentifier } from '../bundle/helpers.js';

const BASE = 'http://127.0.0.1:8080/fhir';

describe('Bulk import (npm run cli -- import)', function () {
  this.timeout(120_000);
  const system = `urn:test:${randomUUID()}`;
  let dir: string;
  let pool: Pool;
  let importer: () => Importer;

  const write = (name: string, content: unknown): void =>
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  const org = (value: string): Record<string, unknown> => ({
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: { resourceType: 'Organization', identifier: [{ system, value }], name: value },
    request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=${system}|${value}` },
  });
  const ndjsonIds = [randomUUID(), randomUUID()];

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'import-test-'));
    pool = createPool(testDatabaseUrl(), 6);
    const { repository } = createFhirServices(new ResourceStore(pool), sharedValidator(), loadConfig({}), BASE);
    const processor = new BundleProcessor({ repository, serverBase: BASE, maxEntries: 1000 });
    importer = () => new Importer(processor, { concurrency: 3, ndjsonChunk: 2 });
    const patientUrl = `urn:uuid:${randomUUID()}`;
    write('a-shared.json', { resourceType: 'Bundle', type: 'batch', entry: [org('o1'), org('o2')] });
    write('b-patient.json', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patientUrl, resource: { resourceType: 'Patient', identifier: [{ system, value: 'p1' }] }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: patientUrl }, serviceProvider: { reference: `Organization?identifier=${system}|o1` } },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    });
    write('c-broken.json', '{"resourceType": "Bundle", "type": "transaction", "entry": [');
    write('d-failing.json', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', identifier: [{ system, value: 'never' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?identifier=${system}|nobody` } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    write(
      'e-lines.ndjson',
      [
        JSON.stringify({ resourceType: 'Patient', id: ndjsonIds[0], identifier: [{ system, value: 'n1' }] }),
        '',
        JSON.stringify({ resourceType: 'Patient', id: ndjsonIds[1], gender: 'not-a-gender' }),
        '{ not json',
        JSON.stringify({ resourceType: 'Patient', identifier: [{ system, value: 'n3' }] }),
      ].join('\n'),
    );
  });
  after(async () => {
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every good file and line, reports each failure with its reason, and goes on', async () => {
    const { files, missing } = await expandPaths([dir, path.join(dir, 'nope.json')]);
    expect(files.map((f) => path.basename(f.path))).to.deep.equal(['a-shared.json', 'b-patient.json', 'c-broken.json', 'd-failing.json', 'e-lines.ndjson']);
    expect(missing).to.have.length(1);
    const tally = await importer().run(files);
    expect(tally.filesDone).to.equal(5);
    expect(tally.filesFailed).to.equal(2);
    expect(tally.byType.get('Organization')).to.deep.equal({ loaded: 2, skipped: 0, failed: 0 });
    expect(tally.byType.get('Encounter')).to.deep.equal({ loaded: 1, skipped: 0, failed: 0 });
    expect(tally.byType.get('Patient')).to.deep.equal({ loaded: 3, skipped: 0, failed: 2 });
    expect(tally.byType.get('Observation')).to.deep.equal({ loaded: 0, skipped: 0, failed: 1 });
    expect(tally.byType.get('unknown')).to.deep.equal({ loaded: 0, skipped: 0, failed: 1 });
    const reasons = tally.failures.map((f) => `${path.basename(f.file)}: ${f.reason}`);
    expect(reasons.find((r) => r.startsWith('c-broken.json'))).to.contain('not a JSON file');
    expect(reasons.find((r) => r.startsWith('d-failing.json'))).to.contain('404').and.contain('Bundle.entry[1]');
    expect(reasons.filter((r) => r.startsWith('e-lines.ndjson')).sort()).to.have.length(2);
    expect(reasons.find((r) => r.startsWith('e-lines.ndjson: line 3'))).to.contain('422');
    expect(reasons.find((r) => r.startsWith('e-lines.ndjson: line 4'))).to.contain('not JSON');
    // NDJSON resources with an id keep it; the failed transaction left nothing behind
    const kept = await pool.query('SELECT 1 FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', ndjsonIds[0]]);
    expect(kept.rowCount).to.equal(1);
    expect(await countByIdentifier(pool, 'Patient', system, 'never')).to.equal(0);
  });

  it('loading the same data again creates no duplicates where it creates conditionally', async () => {
    const { files } = await expandPaths([path.join(dir, 'a-shared.json')]);
    const tally = await importer().run(files);
    expect(tally.byType.get('Organization')).to.deep.equal({ loaded: 0, skipped: 2, failed: 0 });
    expect(await countByIdentifier(pool, 'Organization', system, 'o1')).to.equal(1);
  });

  it('the CLI command prints the summary and exits 1 when something failed', async () => {
    const cli = path.resolve(import.meta.dirname, '../../../server/cli/main.ts');
    const run = promisify(execFile);
    const result = await run(process.execPath, ['--import', 'tsx', cli, 'import', '--concurrency', '2', path.join(dir, 'a-shared.json'), path.join(dir, 'c-broken.json')], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'silent' },
    }).catch((err: unknown) => err as { code: number; stdout: string });
    expect('code' in result ? result.code : 0).to.equal(1);
    expect(result.stdout).to.match(/2 files \(1 failed\), 2 resources/);
    expect(result.stdout).to.match(/Organization\s+0\s+2\s+0/);
    expect(result.stdout).to.contain('c-broken.json: not a JSON file');
  });

  it('the CLI command writes the _content rows of what it loaded before it exits (no server runs the background worker)', async () => {
    const values = Array.from({ length: 12 }, (_, i) => `content-${String(i)}-${randomUUID()}`);
    write('e-content.json', { resourceType: 'Bundle', type: 'batch', entry: values.map((v) => org(v)) });
    const cli = path.resolve(import.meta.dirname, '../../../server/cli/main.ts');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'import', '--concurrency', '3', path.join(dir, 'e-content.json')], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'silent' },
    });
    const r = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM resource r JOIN sp_text t ON t.res = r.sid AND t.param = $1
        WHERE r.resource_type = 'Organization' AND r.content ->> 'name' = ANY($2::text[])`,
      [TEXT_KIND.content, values],
    );
    expect(r.rows[0]?.n).to.equal(values.length);
  });
});
