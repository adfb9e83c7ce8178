import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, type FhirResponse } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/** $validate (https://hl7.org/fhir/R4/resource-operation-validate.html) over HTTP. */

type OutcomeIssue = { severity?: string; code?: string; diagnostics?: string; expression?: string[] };

function issues(r: FhirResponse): OutcomeIssue[] {
  const list = r.body?.['issue'];
  return Array.isArray(list) ? (list as OutcomeIssue[]) : [];
}

function errors(r: FhirResponse): OutcomeIssue[] {
  return issues(r).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

const PMS_PATIENT = 'http://pms.example.org/fhir/StructureDefinition/pms-patient';

function pmsPatient(id?: string): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    ...(id === undefined ? {} : { id }),
    identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:1.2.36.146.595.217.0.1', value: randomUUID() }],
    name: [{ family: 'Validate', given: ['Vera'] }],
    telecom: [{ system: 'phone', value: '+1 555 0100' }],
    gender: 'female',
    birthDate: '1970-05-01',
  };
}

describe('$validate', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('validates a resource posted directly at type level: 200 with an informational outcome', async () => {
    const r = await fhirRequest(`${s.base}/Patient/$validate`, { method: 'POST', body: pmsPatient() });
    expect(r.status).to.equal(200);
    expect(r.body?.['resourceType']).to.equal('OperationOutcome');
    expect(errors(r)).to.deep.equal([]);
  });

  it('reports every problem as an issue with its location, still with status 200', async () => {
    const bad = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Medication/1' }, valueString: 'a', dataAbsentReason: { text: 'b' } };
    const r = await fhirRequest(`${s.base}/Observation/$validate`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: bad }] } });
    expect(r.status).to.equal(200);
    const found = errors(r).map((i) => `${i.code ?? ''} @ ${(i.expression ?? []).join()}`);
    expect(found).to.include('invariant @ Observation'); // obs-6: dataAbsentReason only without a value
    expect(found).to.include('structure @ Observation.subject'); // Medication is not a subject
  });

  it('validates against the profile parameter, and says when it does not know the profile', async () => {
    const { gender: _g, ...noGender } = pmsPatient();
    const withProfile = await fhirRequest(`${s.base}/Patient/$validate`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: noGender }, { name: 'profile', valueUri: PMS_PATIENT }] },
    });
    expect(errors(withProfile).map((i) => i.expression?.[0])).to.include('Patient.gender');
    const unknown = await fhirRequest(`${s.base}/Patient/$validate`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: pmsPatient() }, { name: 'profile', valueUri: 'http://example.org/no-such-profile' }] },
    });
    expect(errors(unknown).map((i) => i.code)).to.include('not-supported');
  });

  it('instance level: mode update checks the id against the instance; without a resource it validates the stored one', async () => {
    const id = randomUUID();
    const put = await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: pmsPatient(id) });
    expect(put.status).to.equal(201);
    const mismatch = await fhirRequest(`${s.base}/Patient/${id}/$validate`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: pmsPatient(randomUUID()) }, { name: 'mode', valueCode: 'update' }] },
    });
    expect(errors(mismatch).map((i) => i.expression?.[0])).to.include('Patient.id');
    const stored = await fhirRequest(`${s.base}/Patient/${id}/$validate?profile=${encodeURIComponent(PMS_PATIENT)}`);
    expect(stored.status).to.equal(200);
    expect(errors(stored)).to.deep.equal([]);
  });

  it('mode delete: 200 for an existing instance, 404 for an unknown one', async () => {
    const id = randomUUID();
    await fhirRequest(`${s.base}/Patient/${id}`, { method: 'PUT', body: pmsPatient(id) });
    const ok = await fhirRequest(`${s.base}/Patient/${id}/$validate?mode=delete`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'delete' }] } });
    expect(ok.status).to.equal(200);
    expect(issues(ok)[0]?.severity).to.equal('information');
    const missing = await fhirRequest(`${s.base}/Patient/${randomUUID()}/$validate`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'delete' }] } });
    expect(missing.status).to.equal(404);
  });

  it('refuses a bad mode and a type-level call without a resource with 400', async () => {
    const badMode = await fhirRequest(`${s.base}/Patient/$validate`, { method: 'POST', body: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'sideways' }, { name: 'resource', resource: pmsPatient() }] } });
    expect(badMode.status).to.equal(400);
    const none = await fhirRequest(`${s.base}/Patient/$validate`);
    expect(none.status).to.equal(400);
  });

  it('flags a resource whose type is not the one in the URL', async () => {
    const r = await fhirRequest(`${s.base}/Observation/$validate`, { method: 'POST', body: pmsPatient() });
    expect(r.status).to.equal(200);
    expect(errors(r).map((i) => i.code)).to.include('invalid');
  });

  it('is listed in the CapabilityStatement with the official definition, and our profiles as supportedProfile', async () => {
    const cs = await fhirRequest(`${s.base}/metadata`);
    const rest = (cs.body?.['rest'] as { resource: { type: string; operation?: { name: string; definition: string }[]; supportedProfile?: string[] }[] }[])[0];
    const patient = rest?.resource.find((r) => r.type === 'Patient');
    expect(patient?.operation?.map((o) => o.definition)).to.include('http://hl7.org/fhir/OperationDefinition/Resource-validate');
    expect(patient?.supportedProfile).to.deep.equal([PMS_PATIENT]);
    const valueSet = rest?.resource.find((r) => r.type === 'ValueSet');
    expect(valueSet?.operation?.map((o) => o.name)).to.include.members(['expand', 'validate-code']);
  });
});
