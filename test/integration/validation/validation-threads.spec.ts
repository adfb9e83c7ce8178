import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../../server/fhir/model/json-object.js';
import { shapeForWrite } from '../../../server/fhir/repository/prepare.js';
import { ProfileValidator } from '../../../server/fhir/validation/profile-validator.js';
import { manyValidator, type ManyItem } from '../../../server/fhir/validation/threads/many-validator.js';
import { itemResource } from '../../../server/fhir/validation/threads/messages.js';
import { ValidationThreads } from '../../../server/fhir/validation/threads/validation-threads.js';
import { createLogger } from '../../../server/log.js';
import { contentForStorage } from '../../../server/store/resource-store.js';
import { createRegistry } from '../../../server/terminology/shipped-layer.js';
import { fhirRequest, firstIssue } from '../../helpers/http.js';
import { sharedValidator, startTestServer, type TestServer } from '../../helpers/server.js';
import { sharedDataDir } from '../../helpers/shared-data.js';
import { bundle, historyRows, patient, post, postBundle } from '../bundle/helpers.js';

/**
 * VALIDATION_THREADS: a run of a Bundle's creates is validated on a worker thread.
 * The thread must give exactly the request thread's answer, hand its work back when
 * it dies, know the profiles written at runtime, and leave the transaction rules as
 * they were (the first failing entry is the one reported).
 */

/** Synthea resources, and broken copies of some, as the write path hands them over. */
function sampleItems(): ManyItem[] {
  const dir = sharedDataDir('synthea');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('0-')).sort().slice(0, 2);
  const items: ManyItem[] = [];
  for (const f of files) {
    const entries = (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { entry: { resource: JsonObject & { resourceType: string } }[] }).entry;
    entries.forEach(({ resource }, i) => {
      const broken: JsonObject = i % 7 === 0 ? { ...resource, status: 'not-a-status', unknownElement: true } : resource;
      const { resource: shaped, forValidation } = shapeForWrite(resource.resourceType, broken, randomUUID());
      items.push({ resourceType: resource.resourceType, content: contentForStorage(shaped), resource: forValidation });
    });
  }
  return items;
}

function startThreads(restartMs?: number): ValidationThreads {
  const threads = new ValidationThreads({ count: 1, unknownProfile: 'warning', requiredProfiles: new Map(), log: createLogger('silent'), ...(restartMs === undefined ? {} : { restartMs }) });
  threads.start();
  return threads;
}

describe('validation threads', function () {
  this.timeout(60_000);
  const items = sampleItems();
  const inline = new ProfileValidator(sharedValidator(), createRegistry());
  let expected: ReturnType<ProfileValidator['validate']>[];

  before(() => {
    expected = items.map((i) => inline.validate(i.resource));
  });

  it('rebuild the resource the request thread validates from its stored text', () => {
    for (const i of items.slice(0, 50)) expect(itemResource(i)).to.deep.equal(i.resource);
    const noMeta = shapeForWrite('Patient', { resourceType: 'Patient', meta: { versionId: '3' }, active: true }, 'x');
    expect(noMeta.forValidation).to.not.have.property('meta');
    expect(itemResource({ resourceType: 'Patient', content: contentForStorage(noMeta.resource) })).to.deep.equal(noMeta.forValidation);
  });

  it('give the answers of the request thread, valid and invalid alike', async () => {
    const threads = startThreads();
    try {
      await threads.ready();
      const answered = await threads.offer(items);
      expect(answered, 'a ready thread takes a large batch').to.not.equal(undefined);
      expect(answered).to.deep.equal(expected);
      const invalid = expected.filter((issues) => issues.some((x) => x.severity === 'error')).length;
      expect(invalid, 'the sample holds invalid resources').to.be.greaterThan(0);
      expect(invalid, 'and valid ones').to.be.lessThan(items.length);
      expect(await threads.offer(items.slice(0, 3)), 'small batches stay on the request thread').to.equal(undefined);
    } finally {
      await threads.stop();
    }
  });

  it('hand a batch back to the request thread when their thread stops', async () => {
    const threads = startThreads();
    await threads.ready();
    const pending = threads.offer(items);
    await threads.stop();
    expect(await pending).to.equal(undefined);
    expect(await manyValidator(inline, threads).validateMany(items)).to.deep.equal(expected);
  });

  it('are started again after one dies, and meanwhile the request thread validates', async () => {
    const threads = startThreads(200);
    try {
      await threads.ready();
      // Text that is not JSON cannot come from the write path; here it makes the thread throw and die.
      const poison = Array.from({ length: 8 }, () => ({ resourceType: 'Patient', content: '{not json' }));
      expect(await threads.offer(poison)).to.equal(undefined);
      expect(await threads.offer(items), 'no thread while it restarts').to.equal(undefined);
      expect(await manyValidator(inline, threads).validateMany(items)).to.deep.equal(expected);
      await new Promise((r) => setTimeout(r, 300));
      await threads.ready();
      expect(await threads.offer(items), 'the restarted thread').to.deep.equal(expected);
    } finally {
      await threads.stop();
    }
  });

  describe('in a server', () => {
    let s: TestServer;
    const system = `urn:test:${randomUUID()}`;
    before(async () => {
      s = await startTestServer({ validationThreads: 1 });
    });
    after(async () => {
      await s.close();
    });

    const patients = (n: number, tag: string): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => patient(system, `${tag}-${i}`));

    it('a transaction reports its first failing entry, even when a later one fails before the run is validated', async () => {
      const entries = patients(20, 'first').map((p) => post(p));
      entries[5] = post({ ...patient(system, 'first-5'), gender: 'not-a-gender' });
      // No Organization is waiting, so this entry fails while entries 0-19 still wait for validation.
      entries.push(post({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, performer: [{ reference: `Organization?identifier=${system}|none` }] }));
      const before = await historyRows(s.pool);
      const r = await postBundle(s.base, bundle('transaction', entries));
      expect(r.status).to.equal(422);
      expect(firstIssue(r).expression).to.include('Bundle.entry[5].resource.gender');
      expect(await historyRows(s.pool)).to.equal(before);

      entries[5] = post(patient(system, 'first-5'));
      const later = await postBundle(s.base, bundle('transaction', entries));
      expect(later.status).to.equal(404);
      expect(firstIssue(later).expression?.[0]).to.equal('Bundle.entry[20]');
      expect(await historyRows(s.pool)).to.equal(before);
    });

    it('an invalid resource that also cannot be stored is reported as invalid', async () => {
      const entries = patients(12, 'nul').map((p) => post(p));
      entries[3] = post({ ...patient(system, 'nul-3'), gender: 'not-a-gender', name: [{ family: 'a\u0000b' }] });
      const r = await postBundle(s.base, bundle('transaction', entries));
      expect(r.status).to.equal(422);
      expect(firstIssue(r).expression).to.include('Bundle.entry[3].resource.gender');
      entries[3] = post({ ...patient(system, 'nul-3'), name: [{ family: 'a\u0000b' }] });
      const nul = await postBundle(s.base, bundle('transaction', entries));
      expect(nul.status).to.equal(422);
      expect(firstIssue(nul).diagnostics).to.contain('U+0000');
    });

    it('enforce a profile written at runtime', async () => {
      const id = `threads-${randomUUID()}`;
      const url = `http://example.org/fhir/StructureDefinition/${id}`;
      const profile = {
        resourceType: 'StructureDefinition', id, url, name: 'BirthDateRequired', status: 'active', fhirVersion: '4.0.1', kind: 'resource',
        abstract: false, type: 'Patient', baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient', derivation: 'constraint',
        differential: { element: [{ id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 }] },
      };
      expect((await fhirRequest(`${s.base}/StructureDefinition/${id}`, { method: 'PUT', body: profile })).status).to.equal(201);
      const claiming = patients(12, 'profiled').map((p) => ({ ...p, meta: { profile: [url] }, birthDate: '1990-01-01' }));
      const { birthDate: _dropped, ...without } = claiming[7] ?? {};
      const rejected = await postBundle(s.base, bundle('transaction', claiming.map((p, i) => post(i === 7 ? without : p))));
      expect(rejected.status).to.equal(422);
      expect(firstIssue(rejected).expression?.[0]).to.equal('Bundle.entry[7]');
      expect(firstIssue(rejected).expression).to.include('Bundle.entry[7].resource.birthDate');
      const accepted = await postBundle(s.base, bundle('transaction', claiming.map((p) => post(p))));
      expect(accepted.status).to.equal(200);
    });
  });
});
