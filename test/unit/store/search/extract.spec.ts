import { expect } from 'chai';
import { extractComposite } from '../../../../server/store/search/composite.js';
import { extractDate } from '../../../../server/store/search/date.js';
import { extractNumber } from '../../../../server/store/search/number.js';
import { extractQuantity } from '../../../../server/store/search/quantity.js';
import { extractReference, localTarget } from '../../../../server/store/search/reference.js';
import { IndexRows } from '../../../../server/store/search/rows.js';
import { extractString, normalizeString } from '../../../../server/store/search/string.js';
import { extractText } from '../../../../server/store/search/text.js';
import { extractToken } from '../../../../server/store/search/token.js';
import { extractUri } from '../../../../server/store/search/uri.js';

const BASE = 'http://example.org/fhir';
const keys = { key: 1, textKey: 2, ofTypeKey: 3 };

/** The rows of one table as row arrays. */
function rows(columns: readonly unknown[][]): unknown[][] {
  return (columns[0] ?? []).map((_v, i) => columns.map((c) => c[i]));
}

describe('search index rows: extraction per parameter type', () => {
  it('token: Coding, CodeableConcept (+ :text), Identifier (+ :of-type), ContactPoint, boolean, code with its implicit system', () => {
    const r = new IndexRows();
    const texts: string[] = [];
    extractToken(r, keys, { type: 'CodeableConcept', value: { coding: [{ system: 's', code: 'c', display: 'Disp' }], text: 'Txt' } }, texts);
    extractToken(r, keys, { type: 'Identifier', value: { system: 'urn:mrn', value: '42', type: { coding: [{ system: 'v2', code: 'MR' }] } } }, texts);
    extractToken(r, keys, { type: 'ContactPoint', value: { system: 'phone', value: '555' } }, texts);
    extractToken(r, keys, { type: 'boolean', value: true }, texts);
    extractToken(r, keys, { type: 'code', value: 'male' }, texts, 'http://hl7.org/fhir/administrative-gender');
    expect(rows(r.token.columns)).to.deep.equal([
      [1, 's', 'c'],
      [1, 'urn:mrn', '42'],
      [3, 'v2', 'MR|42'],
      [1, null, '555'],
      [1, null, 'true'],
      [1, 'http://hl7.org/fhir/administrative-gender', 'male'],
    ]);
    expect(texts).to.deep.equal(['Disp', 'Txt']);
  });

  it('string: every part of a HumanName / Address, normalised (case, accents, spaces), original kept when different', () => {
    const r = new IndexRows();
    extractString(r, 1, { type: 'HumanName', value: { family: 'Müller', given: ['Ánna', 'b'], text: 'x' } });
    extractString(r, 2, { type: 'Address', value: { line: ['1  Main St'], city: 'Paris' } });
    expect(rows(r.string.columns)).to.deep.equal([
      [1, 'muller', 'Müller'],
      [1, 'anna', 'Ánna'],
      [1, 'b', null],
      [1, 'x', null],
      [2, '1 main st', '1  Main St'],
      [2, 'paris', 'Paris'],
    ]);
    expect(normalizeString('  ÉCOLE\tÇa ')).to.equal('ecole ca');
    // Plain ASCII takes a short cut; it must agree with the full rule.
    const full = (t: string): string => t.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 512);
    for (const t of ['Chalmers', 'Peter James', ' lead', 'trail ', 'two  spaces', 'x\ny', 'Ĳ ﬁne', 'A'.repeat(600), 'MIXED Case 123-45']) {
      expect(normalizeString(t)).to.equal(full(t));
    }
  });

  it('date: primitives at their precision, Period with open ends, Timing events', () => {
    const r = new IndexRows();
    extractDate(r, 1, { type: 'date', value: '2020-02' });
    extractDate(r, 1, { type: 'Period', value: { start: '2020-01-01T10:00:00Z' } });
    extractDate(r, 1, { type: 'Timing', value: { event: ['2021-01-01'] } });
    expect(rows(r.date.columns)).to.deep.equal([
      [1, '2020-02-01T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
      [1, '2020-01-01T10:00:00.000Z', 'infinity'],
      [1, '2021-01-01T00:00:00.000Z', '2021-01-02T00:00:00.000Z'],
    ]);
  });

  it('number and quantity: points, Range ends, comparators, Money', () => {
    const r = new IndexRows();
    extractNumber(r, 1, { type: 'decimal', value: 2.5 });
    extractQuantity(r, 2, { type: 'Quantity', value: { value: 5, system: 'http://unitsofmeasure.org', code: 'mg', unit: 'milligram' } });
    extractQuantity(r, 2, { type: 'Range', value: { low: { value: 1, code: 'a' } } });
    extractQuantity(r, 2, { type: 'Quantity', value: { value: 3, comparator: '<' } });
    extractQuantity(r, 2, { type: 'Money', value: { value: 10, currency: 'EUR' } });
    expect(rows(r.number.columns)).to.deep.equal([[1, 2.5, 2.5]]);
    expect(rows(r.quantity.columns)).to.deep.equal([
      [2, 5, 5, 'http://unitsofmeasure.org', 'mg', 'milligram'],
      [2, 1, Infinity, null, 'a', null],
      [2, -Infinity, 3, null, null, null],
      [2, 10, 10, 'urn:iso:std:iso:4217', 'EUR', 'EUR'],
    ]);
  });

  it('reference: relative, this server absolute, other server, canonical, identifier; contained skipped', () => {
    const r = new IndexRows();
    extractReference(r, 1, 9, { type: 'Reference', value: { reference: 'Patient/1/_history/3' } }, BASE);
    extractReference(r, 1, 9, { type: 'Reference', value: { reference: `${BASE}/Group/2` } }, BASE);
    extractReference(r, 1, 9, { type: 'Reference', value: { reference: 'http://other/fhir/Patient/3' } }, BASE);
    extractReference(r, 1, 9, { type: 'canonical', value: 'http://x.org/ValueSet/v|1.0' }, BASE);
    extractReference(r, 1, 9, { type: 'Reference', value: { reference: '#c1', identifier: { system: 'urn:npi', value: '7' } } }, BASE);
    expect(rows(r.reference.columns)).to.deep.equal([
      [1, 'Patient', '1'],
      [1, 'Group', '2'],
      [1, null, 'http://other/fhir/Patient/3'],
      [1, null, 'http://x.org/ValueSet/v'],
    ]);
    expect(rows(r.token.columns)).to.deep.equal([[9, 'urn:npi', '7']]);
  });

  it('localTarget: Type/id[/_history/vid], relative or under this base; anything else is not local', () => {
    expect(localTarget('Patient/a.b-1', BASE)).to.deep.equal({ type: 'Patient', id: 'a.b-1' });
    expect(localTarget('Patient/7/_history/2', BASE)).to.deep.equal({ type: 'Patient', id: '7' });
    expect(localTarget(`${BASE}/Patient/7`, BASE)).to.deep.equal({ type: 'Patient', id: '7' });
    expect(localTarget(`Patient/${'x'.repeat(64)}`, BASE)).to.deep.equal({ type: 'Patient', id: 'x'.repeat(64) });
    const notLocal = [
      'http://other/fhir/Patient/7', 'urn:uuid:1', 'patient/7', 'P/7', 'Patient1/7', 'Patient/', 'Patient//7',
      'Patient/7/8', 'Patient/7/_history/', 'Patient/7/_history/2/x', 'Patient/a_b', `Patient/${'x'.repeat(65)}`,
      `Patient/7/_history/${'v'.repeat(65)}`, 'Patient/7\n', '/Patient/7',
    ];
    for (const ref of notLocal) expect(localTarget(ref, BASE), ref).to.equal(undefined);
  });

  it('uri, composite (cross product per item) and full text', () => {
    const r = new IndexRows();
    extractUri(r, 1, { type: 'uri', value: 'http://a/b' });
    extractComposite(
      r,
      5,
      [
        { kind: 'token', values: [{ type: 'CodeableConcept', value: { coding: [{ system: 'l', code: '1' }, { system: 'l', code: '2' }] } }] },
        { kind: 'quantity', values: [{ type: 'Quantity', value: { value: 120, code: 'mm' } }] },
      ],
      BASE,
    );
    extractText(r, { resourceType: 'Patient', text: { div: '<div>Hello <b>World</b></div>' }, name: [{ family: 'Doe' }] }, true);
    expect(rows(r.uri.columns)).to.deep.equal([[1, 'http://a/b']]);
    expect(rows(r.composite.columns)).to.deep.equal([
      [5, 'l', '1', null, 'mm', 120, 120, null, null],
      [5, 'l', '2', null, 'mm', 120, 120, null, null],
    ]);
    expect(rows(r.text.columns)).to.deep.equal([[1, 'Hello World'], [2, 'Doe']]);
  });

  it('deduplicates identical rows', () => {
    const r = new IndexRows();
    extractUri(r, 1, { type: 'uri', value: 'x' });
    extractUri(r, 1, { type: 'uri', value: 'x' });
    expect(r.size).to.equal(1);
  });
});
