import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../server/config/load.js';
import { FhirError } from '../../../server/errors/fhir-error.js';
import type { WriteHook } from '../../../server/fhir/repository/types.js';
import { createFhirServices } from '../../../server/fhir/services.js';
import { createPool, type Pool } from '../../../server/store/db.js';
import { ResourceStore } from '../../../server/store/resource-store.js';
import { sharedValidator, testDatabaseUrl } from '../../helpers/server.js';

/**
 * Concurrent plain creates are stored in shared batches (CreateBatcher); each
 * request's write hook (the auth guard's access check and audit record, issue #6)
 * must still decide for its own create only, inside the batch's transaction.
 */
describe('Repository: concurrent creates with write hooks, stored in shared batches', () => {
  let pool: Pool;
  before(() => {
    pool = createPool(testDatabaseUrl(), 10);
  });
  after(async () => {
    await pool.end();
  });

  it('a hook refusing one create fails that create only; each hook writes in its create\'s transaction', async () => {
    const { repository } = createFhirServices(new ResourceStore(pool), sharedValidator(), loadConfig({}), 'http://test/fhir');
    const run = randomUUID();
    const refused = new Set([3, 11, 17]);
    const hookFor = (i: number): WriteHook => async (change, scope) => {
      if (refused.has(i)) throw new FhirError('forbidden', `create ${i} refused`);
      await scope.enqueue(`test-${run}`, [{ i, id: change.kind === 'written' ? change.id : undefined }]);
    };
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        repository
          .create('Patient', { resourceType: 'Patient', identifier: [{ system: `urn:run:${run}`, value: String(i) }] }, {}, hookFor(i))
          .then((r) => (r.kind === 'written' ? r.id : 'existing'), (err: unknown) => (err instanceof FhirError ? `${err.status} ${err.message}` : `other ${String(err)}`)),
      ),
    );
    results.forEach((r, i) => {
      if (refused.has(i)) expect(r).to.equal(`403 create ${i} refused`);
      else expect(r).to.match(/^[0-9a-f-]{36}$/);
    });
    const stored = await pool.query<{ v: string }>(
      `SELECT content -> 'identifier' -> 0 ->> 'value' AS v FROM resource WHERE resource_type = 'Patient' AND content -> 'identifier' -> 0 ->> 'system' = $1`,
      [`urn:run:${run}`],
    );
    expect(stored.rows.map((r) => Number(r.v)).sort((a, b) => a - b)).to.deep.equal([...Array(24).keys()].filter((i) => !refused.has(i)));
    // Exactly one outbox job per stored create, naming the id that create got: no hook ran twice or for a rolled-back row.
    const jobs = await pool.query<{ payload: { i: number; id: string } }>('SELECT payload FROM outbox WHERE topic = $1', [`test-${run}`]);
    expect(jobs.rows.map((j) => j.payload.i).sort((a, b) => a - b)).to.deep.equal([...Array(24).keys()].filter((i) => !refused.has(i)));
    for (const j of jobs.rows) expect(j.payload.id).to.equal(results[j.payload.i]);
    await pool.query('DELETE FROM outbox WHERE topic = $1', [`test-${run}`]);
  });
});
