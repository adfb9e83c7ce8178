import { expect } from 'chai';
import { parseEntry } from '../../../../server/fhir/bundle/entry-request.js';
import { FhirError } from '../../../../server/errors/fhir-error.js';

const BASE = 'http://server.example/fhir';

describe('Bundle entries: request parsing', () => {
  it('parses create, update, conditional, vread and absolute URLs on our base', () => {
    const post = parseEntry({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=a|b' } }, 0, BASE);
    expect(post).to.include({ method: 'POST', resourceType: 'Patient', id: undefined, ifNoneExist: 'identifier=a|b' });
    const put = parseEntry({ resource: { resourceType: 'Patient', id: 'x' }, request: { method: 'PUT', url: `${BASE}/Patient/x`, ifMatch: 'W/"2"' } }, 1, BASE);
    expect(put).to.include({ method: 'PUT', id: 'x', ifMatch: 2 });
    const cond = parseEntry({ request: { method: 'DELETE', url: 'Patient?identifier=a|b' } }, 2, BASE);
    expect(cond).to.include({ id: undefined, query: 'identifier=a|b' });
    const vread = parseEntry({ request: { method: 'GET', url: 'Patient/x/_history/3' } }, 3, BASE);
    expect(vread).to.include({ id: 'x', versionId: 3 });
    // the full-URL form of ifNoneExist is accepted too
    const full = parseEntry({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'Patient?identifier=a|b' } }, 4, BASE);
    expect(full.ifNoneExist).to.equal('identifier=a|b');
  });

  it('refuses entries that cannot be processed', () => {
    const bad: unknown[] = [
      { request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Observation' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Patient' }, request: { method: 'PUT', url: 'Patient' } },
      { request: { method: 'DELETE', url: 'Patient' } },
      { request: { method: 'TRACE', url: 'Patient/1' } },
      { request: { method: 'GET', url: 'http://elsewhere.example/fhir/Patient/1' } },
      { request: { method: 'GET', url: 'NoSuchType/1' } },
      { resource: { resourceType: 'Patient' } },
      { request: { method: 'PUT', url: 'Patient/1/_history/2' }, resource: { resourceType: 'Patient' } },
    ];
    for (const [i, raw] of bad.entries()) expect(() => parseEntry(raw, i, BASE), JSON.stringify(raw)).to.throw(FhirError);
  });
});
