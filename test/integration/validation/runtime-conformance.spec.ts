import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, type FhirResponse } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/**
 * StructureDefinitions, ValueSets and CodeSystems written through the API are used at once,
 * by this process and by another process on the same database; the meta.profile and
 * required-profile settings.
 */

type OutcomeIssue = { severity?: string; code?: string; diagnostics?: string; expression?: string[] };

function issues(r: FhirResponse): OutcomeIssue[] {
  const list = r.body?.['issue'];
  return Array.isArray(list) ? (list as OutcomeIssue[]) : [];
}

function errorsAt(r: FhirResponse): string[] {
  return issues(r).filter((i) => i.severity === 'error').map((i) => `${i.code ?? ''} @ ${(i.expression ?? []).join()}`);
}

/** A profile, differential only, that makes Patient.birthDate required (and, with strict, gender too). */
function birthDateProfile(id: string, strict = false): Record<string, unknown> {
  return {
    resourceType: 'StructureDefinition',
    id,
    url: `http://example.org/fhir/StructureDefinition/${id}`,
    name: 'BirthDateRequired',
    status: 'active',
    fhirVersion: '4.0.1',
    kind: 'resource',
    abstract: false,
    type: 'Patient',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
    derivation: 'constraint',
    differential: {
      element: [
        { id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 },
        ...(strict ? [{ id: 'Patient.gender', path: 'Patient.gender', min: 1 }] : []),
      ],
    },
  };
}

function patient(profile: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { resourceType: 'Patient', meta: { profile: [profile] }, name: [{ family: `Runtime-${randomUUID()}` }], ...extra };
}

describe('conformance resources written at runtime', () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer();
    // A second process on the same database that checks it before every use.
    b = await startTestServer({ conformanceRefreshMs: 0 });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('a profile posted without a snapshot is enforced on the next write, in this process and in another', async () => {
    const id = `bd-${randomUUID()}`;
    const url = `http://example.org/fhir/StructureDefinition/${id}`;
    // Before it exists: an unknown profile is a warning, the write succeeds.
    const before = await fhirRequest(`${a.base}/Patient`, { method: 'POST', body: patient(url), headers: { prefer: 'return=OperationOutcome' } });
    expect(before.status).to.equal(201);
    const put = await fhirRequest(`${a.base}/StructureDefinition/${id}`, { method: 'PUT', body: birthDateProfile(id) });
    expect(put.status).to.equal(201);
    for (const s of [a, b]) {
      const rejected = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(url) });
      expect(rejected.status, s.base).to.equal(422);
      expect(errorsAt(rejected), s.base).to.include('required @ Patient.birthDate');
      const accepted = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(url, { birthDate: '1990-01-01' }) });
      expect(accepted.status, s.base).to.equal(201);
    }
  });

  it('an updated profile applies at once; a deleted one is unknown again', async () => {
    const id = `bd-${randomUUID()}`;
    const url = `http://example.org/fhir/StructureDefinition/${id}`;
    await fhirRequest(`${a.base}/StructureDefinition/${id}`, { method: 'PUT', body: birthDateProfile(id) });
    expect((await fhirRequest(`${b.base}/Patient`, { method: 'POST', body: patient(url, { birthDate: '1990-01-01' }) })).status).to.equal(201);
    expect((await fhirRequest(`${a.base}/StructureDefinition/${id}`, { method: 'PUT', body: birthDateProfile(id, true) })).status).to.equal(200);
    const stricter = await fhirRequest(`${b.base}/Patient`, { method: 'POST', body: patient(url, { birthDate: '1990-01-01' }) });
    expect(errorsAt(stricter)).to.include('required @ Patient.gender');
    expect((await fhirRequest(`${a.base}/StructureDefinition/${id}`, { method: 'DELETE' })).status).to.equal(204);
    for (const s of [a, b]) {
      const after = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient(url) });
      expect(after.status, s.base).to.equal(201);
    }
  });

  it('refuses a profile whose differential its base cannot hold (422)', async () => {
    const id = `bad-${randomUUID()}`;
    const bad = birthDateProfile(id);
    (bad['differential'] as { element: unknown[] }).element.push({ id: 'Patient.shoeSize', path: 'Patient.shoeSize', min: 1 });
    const r = await fhirRequest(`${a.base}/StructureDefinition/${id}`, { method: 'PUT', body: bad });
    expect(r.status).to.equal(422);
    expect(issues(r).some((i) => (i.diagnostics ?? '').includes('Patient.shoeSize'))).to.equal(true);
  });

  it('a code system and a value set posted are used by terminology and bindings at once', async () => {
    const n = randomUUID();
    const system = `http://example.org/fhir/CodeSystem/triage-${n}`;
    const vsUrl = `http://example.org/fhir/ValueSet/triage-${n}`;
    const cs = { resourceType: 'CodeSystem', url: system, status: 'active', content: 'complete', concept: [{ code: 'urgent', display: 'Urgent', concept: [{ code: 'immediate', display: 'Immediate' }] }, { code: 'routine', display: 'Routine' }] };
    const vs = { resourceType: 'ValueSet', url: vsUrl, status: 'active', compose: { include: [{ system, filter: [{ property: 'concept', op: 'is-a', value: 'urgent' }] }] } };
    expect((await fhirRequest(`${a.base}/CodeSystem`, { method: 'POST', body: cs })).status).to.equal(201);
    expect((await fhirRequest(`${a.base}/ValueSet`, { method: 'POST', body: vs })).status).to.equal(201);
    const expanded = await fhirRequest(`${b.base}/ValueSet/$expand?url=${encodeURIComponent(vsUrl)}`);
    expect(((expanded.body?.['expansion'] as { contains: { code: string }[] }).contains).map((c) => c.code)).to.deep.equal(['urgent', 'immediate']);
    const lookup = await fhirRequest(`${b.base}/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=immediate`);
    expect(lookup.status).to.equal(200);
    // A profile binding Encounter.priority to it (required): routine is now outside.
    const id = `triage-${n}`;
    const profile = {
      resourceType: 'StructureDefinition',
      url: `http://example.org/fhir/StructureDefinition/${id}`,
      name: 'TriagedEncounter',
      status: 'active',
      fhirVersion: '4.0.1',
      kind: 'resource',
      abstract: false,
      type: 'Encounter',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Encounter',
      derivation: 'constraint',
      differential: { element: [{ id: 'Encounter.priority', path: 'Encounter.priority', min: 1, binding: { strength: 'required', valueSet: vsUrl } }] },
    };
    expect((await fhirRequest(`${a.base}/StructureDefinition`, { method: 'POST', body: profile })).status).to.equal(201);
    const encounter = (code: string): Record<string, unknown> => ({
      resourceType: 'Encounter',
      meta: { profile: [profile.url] },
      status: 'planned',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      priority: { coding: [{ system, code }] },
    });
    expect((await fhirRequest(`${b.base}/Encounter`, { method: 'POST', body: encounter('immediate') })).status).to.equal(201);
    const routine = await fhirRequest(`${b.base}/Encounter`, { method: 'POST', body: encounter('routine') });
    expect(routine.status).to.equal(422);
    expect(errorsAt(routine)).to.include('code-invalid @ Encounter.priority');
  });
});

describe('profile settings', () => {
  it('VALIDATION_UNKNOWN_PROFILE=error rejects a meta.profile the server does not hold', async () => {
    const s = await startTestServer({ validationUnknownProfile: 'error' });
    try {
      const r = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: patient('http://example.org/fhir/StructureDefinition/never-posted') });
      expect(r.status).to.equal(422);
      expect(errorsAt(r)).to.deep.equal(['not-supported @ Patient.meta.profile']);
    } finally {
      await s.close();
    }
  });

  it('VALIDATION_REQUIRED_PROFILES makes every Patient conform to PMS Patient', async () => {
    const s = await startTestServer({ validationRequiredProfiles: 'Patient=http://pms.example.org/fhir/StructureDefinition/pms-patient' });
    try {
      const plain = await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Plain' }] } });
      expect(plain.status).to.equal(422);
      expect(errorsAt(plain)).to.include.members(['required @ Patient.birthDate', 'required @ Patient.identifier']);
      const pms = {
        resourceType: 'Patient',
        identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:1.2.3', value: randomUUID() }],
        name: [{ family: 'Complete' }],
        telecom: [{ system: 'email', value: 'complete@example.org' }],
        gender: 'other',
        birthDate: '2001-09-11',
      };
      expect((await fhirRequest(`${s.base}/Patient`, { method: 'POST', body: pms })).status).to.equal(201);
      const observation = await fhirRequest(`${s.base}/Observation`, { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: { text: 'unconstrained type' } } });
      expect(observation.status).to.equal(201);
    } finally {
      await s.close();
    }
  });
});
