import { expect } from 'chai';
import { BundleLinks } from '../../../../server/fhir/bundle/bundle-links.js';
import { LinkWalker } from '../../../../server/fhir/bundle/link-walker.js';
import { FhirError } from '../../../../server/errors/fhir-error.js';

const BASE = 'http://server.example/fhir';
const walker = LinkWalker.fromR4Definitions();

function links(fullUrls: string[] = []): BundleLinks {
  return new BundleLinks(BASE, fullUrls);
}

describe('Bundle links: rewriting references between entries', () => {
  it('rewrites urn:uuid references in the resource, contained resources, extensions and primitive extensions', () => {
    const l = links(['urn:uuid:p1']);
    l.bind('urn:uuid:p1', { resourceType: 'Patient', id: 'abc', versionId: 1 });
    const eob = {
      resourceType: 'ExplanationOfBenefit',
      patient: { reference: 'urn:uuid:p1' },
      contained: [{ resourceType: 'Coverage', id: 'c', beneficiary: { reference: 'urn:uuid:p1' } }],
      extension: [{ url: 'http://example.org/x', valueReference: { reference: 'urn:uuid:p1' } }],
      _status: { extension: [{ url: 'http://example.org/y', valueReference: { reference: 'urn:uuid:p1#frag' } }] },
      status: 'active',
      insurance: [{ focal: true, coverage: { reference: '#c' } }],
    };
    const out = walker.map(eob, l.mapper(undefined)) as typeof eob;
    expect(out.patient.reference).to.equal('Patient/abc');
    expect(out.contained[0]?.beneficiary.reference).to.equal('Patient/abc');
    expect(out.extension[0]?.valueReference.reference).to.equal('Patient/abc');
    expect(out._status.extension[0]?.valueReference.reference).to.equal('Patient/abc#frag');
    expect(out.insurance[0]?.coverage.reference).to.equal('#c');
    // the input is never modified (a retried transaction starts again from it)
    expect(eob.patient.reference).to.equal('urn:uuid:p1');
  });

  it('rewrites uri-typed elements and narrative links, but not strings that merely look alike', () => {
    const l = links(['urn:uuid:b1']);
    l.bind('urn:uuid:b1', { resourceType: 'Binary', id: 'bin' });
    const doc = {
      resourceType: 'DocumentReference',
      status: 'current',
      identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:b1' }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><a href="urn:uuid:b1">doc</a><img src="urn:uuid:zz"/></div>' },
      content: [{ attachment: { url: 'urn:uuid:b1' } }],
    };
    const out = walker.map(doc, l.mapper(undefined)) as typeof doc;
    expect(out.content[0]?.attachment.url).to.equal('Binary/bin');
    expect(out.text.div).to.contain('href="Binary/bin"').and.contain('src="urn:uuid:zz"');
    expect(out.identifier[0]?.value).to.equal('urn:uuid:b1');
  });

  it('resolves relative references against the referring entry full URL, keeping version-specific ones versioned', () => {
    const l = links(['http://other.example/fhir/Patient/7']);
    l.bind('http://other.example/fhir/Patient/7', { resourceType: 'Patient', id: 'new', versionId: 1 });
    const map = l.mapper('http://other.example/fhir/Observation/1');
    expect(map('Patient/7', 'reference')).to.equal('Patient/new');
    expect(map('Patient/7/_history/3', 'reference')).to.equal('Patient/new/_history/1');
    expect(map('http://other.example/fhir/Patient/7', 'reference')).to.equal('Patient/new');
    expect(map('Patient/8', 'reference')).to.equal('Patient/8');
    // from an entry with a urn:uuid full URL, relative references are read against our own base
    expect(l.mapper('urn:uuid:x')('Patient/7', 'reference')).to.equal('Patient/7');
  });

  it('refuses a urn:uuid reference that names no entry, and one naming an entry not processed yet', () => {
    const l = links(['urn:uuid:later']);
    const map = l.mapper(undefined);
    expect(() => map('urn:uuid:nowhere', 'reference')).to.throw(FhirError, /does not match the fullUrl/);
    expect(() => map('urn:uuid:later', 'reference')).to.throw(FhirError, /not been processed/);
    // a uri-typed element is left alone rather than refused
    expect(map('urn:uuid:nowhere', 'uri')).to.equal('urn:uuid:nowhere');
  });

  it('collects conditional references until they are resolved, then rewrites them', () => {
    const l = links();
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient?identifier=sys|1' },
      performer: [{ reference: 'Patient?identifier=sys|1' }, { reference: 'Practitioner?identifier=npi|2' }],
    };
    expect(walker.map(obs, l.mapper(undefined))).to.equal(obs);
    expect(l.takePending().map((c) => c.reference)).to.deep.equal(['Patient?identifier=sys|1', 'Practitioner?identifier=npi|2']);
    l.resolvedConditional('Patient?identifier=sys|1', 'p');
    l.resolvedConditional('Practitioner?identifier=npi|2', 'd');
    const out = walker.map(obs, l.mapper(undefined)) as typeof obs;
    expect(out.subject.reference).to.equal('Patient/p');
    expect(out.performer.map((p) => p.reference)).to.deep.equal(['Patient/p', 'Practitioner/d']);
    expect(l.takePending()).to.deep.equal([]);
  });

  it('knows which links name another entry of the Bundle (batch entries that depend on others wait)', () => {
    const l = links(['urn:uuid:a', 'http://other.example/fhir/Patient/7']);
    expect(l.namesEntry('urn:uuid:a#x', undefined)).to.equal(true);
    expect(l.namesEntry('Patient/7', 'http://other.example/fhir/Observation/1')).to.equal(true);
    expect(l.namesEntry('Patient/7/_history/2', 'http://other.example/fhir/Observation/1')).to.equal(true);
    expect(l.namesEntry('Patient/7', undefined)).to.equal(false);
    expect(l.namesEntry('#contained', undefined)).to.equal(false);
  });

  it('leaves canonical elements alone (http.html#trules)', () => {
    const l = links(['urn:uuid:q']);
    l.bind('urn:uuid:q', { resourceType: 'Questionnaire', id: 'q1' });
    const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'urn:uuid:q' };
    expect(walker.map(qr, l.mapper(undefined))).to.equal(qr);
  });
});
