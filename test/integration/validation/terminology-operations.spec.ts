import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fhirRequest, firstIssue, type FhirResponse } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/**
 * The terminology operations over HTTP (https://hl7.org/fhir/R4/terminology-service.html):
 * $expand, $validate-code (ValueSet and CodeSystem), $lookup, $subsumes, $translate, by GET
 * and POST, at type and instance level.
 */

type Part = { name: string; valueBoolean?: boolean; valueString?: string; valueCode?: string; valueCoding?: { code?: string; system?: string }; part?: Part[] };

function param(r: FhirResponse, name: string): Part | undefined {
  return (r.body?.['parameter'] as Part[] | undefined)?.find((p) => p.name === name);
}

function all(r: FhirResponse, name: string): Part[] {
  return ((r.body?.['parameter'] as Part[] | undefined) ?? []).filter((p) => p.name === name);
}

function codes(r: FhirResponse): string[] {
  const e = r.body?.['expansion'] as { contains?: { code: string }[] } | undefined;
  return (e?.contains ?? []).map((c) => c.code);
}

const VISIT = 'http://pms.example.org/fhir/CodeSystem/pms-visit-type';

describe('terminology operations', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  describe('$expand', () => {
    it('by url with GET, paged, filtered', async () => {
      const r = await fhirRequest(`${s.base}/ValueSet/$expand?url=${encodeURIComponent('http://terminology.hl7.org/ValueSet/v2-0203')}&filter=medical&count=3`);
      expect(r.status).to.equal(200);
      expect(r.body?.['resourceType']).to.equal('ValueSet');
      const e = r.body?.['expansion'] as { total: number; contains: unknown[]; identifier: string; timestamp: string };
      expect(e.contains.length).to.be.at.most(3);
      expect(e.total).to.be.greaterThan(0);
      expect(e.identifier).to.match(/^urn:uuid:/);
    });

    it('at instance level, for a value set we ship, with nested includes', async () => {
      const r = await fhirRequest(`${s.base}/ValueSet/pms-service-type/$expand`);
      expect(r.status).to.equal(200);
      expect(codes(r)).to.include.members(['video', 'follow-up', '124']);
    });

    it('an inline value set posted as a parameter, with a filter and designations', async () => {
      const valueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: VISIT, filter: [{ property: 'concept', op: 'descendent-of', value: 'in-person' }] }] } };
      const r = await fhirRequest(`${s.base}/ValueSet/$expand`, {
        method: 'POST',
        body: { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: valueSet }, { name: 'includeDesignations', valueBoolean: true }] },
      });
      expect(r.status).to.equal(200);
      expect(codes(r)).to.deep.equal(['new-patient', 'follow-up', 'annual-physical']);
    });

    it('errors: no value set (400), unknown url (404), a code system not held (422)', async () => {
      expect((await fhirRequest(`${s.base}/ValueSet/$expand`)).status).to.equal(400);
      expect((await fhirRequest(`${s.base}/ValueSet/$expand?url=http://example.org/none`)).status).to.equal(404);
      const loinc = await fhirRequest(`${s.base}/ValueSet/$expand?url=${encodeURIComponent('http://hl7.org/fhir/ValueSet/observation-codes')}`);
      expect(loinc.status).to.equal(422);
      expect(firstIssue(loinc).code).to.equal('not-supported');
      expect((await fhirRequest(`${s.base}/ValueSet/administrative-gender/$expand?count=-1`)).status).to.equal(400);
    });
  });

  describe('$validate-code', () => {
    it('on a value set by GET: result, display, message', async () => {
      const ok = await fhirRequest(`${s.base}/ValueSet/$validate-code?url=${encodeURIComponent('http://hl7.org/fhir/ValueSet/administrative-gender')}&system=http://hl7.org/fhir/administrative-gender&code=female`);
      expect(ok.status).to.equal(200);
      expect(param(ok, 'result')?.valueBoolean).to.equal(true);
      expect(param(ok, 'display')?.valueString).to.equal('Female');
      const no = await fhirRequest(`${s.base}/ValueSet/administrative-gender/$validate-code?system=http://hl7.org/fhir/administrative-gender&code=robot`);
      expect(param(no, 'result')?.valueBoolean).to.equal(false);
      expect(param(no, 'message')?.valueString).to.include('robot');
    });

    it('on a value set with a CodeableConcept posted', async () => {
      const r = await fhirRequest(`${s.base}/ValueSet/$validate-code`, {
        method: 'POST',
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'url', valueUri: 'http://pms.example.org/fhir/ValueSet/pms-telehealth-visits' },
            { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: VISIT, code: 'follow-up' }, { system: VISIT, code: 'phone' }] } },
          ],
        },
      });
      expect(param(r, 'result')?.valueBoolean).to.equal(true);
    });

    it('on a code system, by url and at instance level', async () => {
      const byUrl = await fhirRequest(`${s.base}/CodeSystem/$validate-code?url=${encodeURIComponent(VISIT)}&code=video`);
      expect(param(byUrl, 'result')?.valueBoolean).to.equal(true);
      const instance = await fhirRequest(`${s.base}/CodeSystem/v2-0203/$validate-code?code=NOPE`);
      expect(instance.status).to.equal(200);
      expect(param(instance, 'result')?.valueBoolean).to.equal(false);
    });

    it('needs a code (400)', async () => {
      const r = await fhirRequest(`${s.base}/ValueSet/administrative-gender/$validate-code`);
      expect(r.status).to.equal(400);
    });
  });

  describe('$lookup and $subsumes', () => {
    it('$lookup returns display, designations and properties; unknown system 404, unknown code 404', async () => {
      const r = await fhirRequest(`${s.base}/CodeSystem/$lookup?system=${encodeURIComponent(VISIT)}&code=annual-physical`);
      expect(r.status).to.equal(200);
      expect(param(r, 'display')?.valueString).to.equal('Annual physical examination');
      expect(all(r, 'designation')[0]?.part?.find((p) => p.name === 'value')?.valueString).to.equal('Bilan de santé annuel');
      const parent = all(r, 'property').find((p) => p.part?.some((x) => x.name === 'code' && x.valueCode === 'parent'));
      expect(parent?.part?.find((x) => x.name === 'value')?.valueCode).to.equal('in-person');
      expect((await fhirRequest(`${s.base}/CodeSystem/$lookup?system=http://loinc.org&code=2823-3`)).status).to.equal(404);
      expect((await fhirRequest(`${s.base}/CodeSystem/$lookup?system=${encodeURIComponent(VISIT)}&code=nope`)).status).to.equal(404);
    });

    it('$subsumes by system and codes, and with codings posted', async () => {
      const r = await fhirRequest(`${s.base}/CodeSystem/$subsumes?system=${encodeURIComponent(VISIT)}&codeA=telehealth&codeB=video`);
      expect(param(r, 'outcome')?.valueCode).to.equal('subsumes');
      const posted = await fhirRequest(`${s.base}/CodeSystem/pms-visit-type/$subsumes`, {
        method: 'POST',
        body: { resourceType: 'Parameters', parameter: [{ name: 'codingA', valueCoding: { system: VISIT, code: 'phone' } }, { name: 'codingB', valueCoding: { system: VISIT, code: 'visit' } }] },
      });
      expect(param(posted, 'outcome')?.valueCode).to.equal('subsumed-by');
      const unknownCode = await fhirRequest(`${s.base}/CodeSystem/$subsumes?system=${encodeURIComponent(VISIT)}&codeA=phone&codeB=fax`);
      expect(unknownCode.status).to.equal(400);
    });
  });

  describe('$translate', () => {
    it('through our v2 → FHIR map by url, and by choosing the maps from the code system', async () => {
      const byUrl = await fhirRequest(
        `${s.base}/ConceptMap/$translate?url=${encodeURIComponent('http://pms.example.org/fhir/ConceptMap/pms-v2-0001-to-administrative-gender')}&system=http://terminology.hl7.org/CodeSystem/v2-0001&code=M`,
      );
      expect(param(byUrl, 'result')?.valueBoolean).to.equal(true);
      const match = all(byUrl, 'match')[0];
      expect(match?.part?.find((p) => p.name === 'concept')?.valueCoding?.code).to.equal('male');
      const chosen = await fhirRequest(`${s.base}/ConceptMap/$translate?system=http://hl7.org/fhir/administrative-gender&code=female&targetsystem=http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender`);
      expect(param(chosen, 'result')?.valueBoolean).to.equal(true);
      expect(all(chosen, 'match')[0]?.part?.find((p) => p.name === 'concept')?.valueCoding?.code).to.equal('F');
    });

    it('reverse, through a map written to the server at runtime (instance level)', async () => {
      const id = `cm-${randomUUID()}`;
      const url = `http://example.org/fhir/ConceptMap/${id}`;
      const put = await fhirRequest(`${s.base}/ConceptMap/${id}`, {
        method: 'PUT',
        body: {
          resourceType: 'ConceptMap',
          id,
          url,
          status: 'active',
          group: [{ source: 'http://example.org/old', target: 'http://example.org/new', element: [{ code: 'a', target: [{ code: 'A', equivalence: 'equivalent' }] }] }],
        },
      });
      expect(put.status).to.equal(201);
      const r = await fhirRequest(`${s.base}/ConceptMap/${id}/$translate?system=http://example.org/new&code=A&reverse=true`);
      expect(param(r, 'result')?.valueBoolean).to.equal(true);
      expect(all(r, 'match')[0]?.part?.find((p) => p.name === 'concept')?.valueCoding).to.deep.equal({ system: 'http://example.org/old', code: 'a' });
      const byUrl = await fhirRequest(`${s.base}/ConceptMap/$translate?url=${encodeURIComponent(url)}&system=http://example.org/old&code=a`);
      expect(param(byUrl, 'result')?.valueBoolean).to.equal(true);
    });
  });
});
