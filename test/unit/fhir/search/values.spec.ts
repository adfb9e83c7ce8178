import { expect } from 'chai';
import { FhirError } from '../../../../server/errors/fhir-error.js';
import {
  alternatives,
  parseDate,
  parseNumber,
  parseQuantity,
  parseReference,
  parseToken,
  splitEscaped,
  unescape,
} from '../../../../server/fhir/search/query/values.js';

const BASE = 'http://example.org/fhir';

function rejects(fn: () => unknown, param: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FhirError);
    expect((err as FhirError).status).to.equal(400);
    expect((err as FhirError).issues[0]?.expression).to.deep.equal([param]);
    return;
  }
  expect.fail('expected a 400');
}

describe('search: value parsing', () => {
  it('splits on unescaped separators only (search.html#escaping)', () => {
    expect(splitEscaped('a,b\\,c,d', ',')).to.deep.equal(['a', 'b\\,c', 'd']);
    expect(unescape('b\\,c\\|d\\$e\\\\')).to.equal('b,c|d$e\\');
    expect(alternatives('p', 'x,y')).to.deep.equal(['x', 'y']);
    rejects(() => alternatives('p', 'x,,y'), 'p');
  });

  it('reads date prefixes and ranges at their precision', () => {
    const y = parseDate('date', 'ge2020');
    expect(y.prefix).to.equal('ge');
    expect(new Date(y.start).toISOString()).to.equal('2020-01-01T00:00:00.000Z');
    expect(new Date(y.end).toISOString()).to.equal('2021-01-01T00:00:00.000Z');
    const d = parseDate('date', '2020-02-29');
    expect(d.prefix).to.equal('eq');
    expect(d.end - d.start).to.equal(86_400_000);
    const m = parseDate('date', 'lt2020-03-01T10:00+02:00');
    expect(new Date(m.start).toISOString()).to.equal('2020-03-01T08:00:00.000Z');
    expect(m.end - m.start).to.equal(60_000);
  });

  it('rejects a bad date or an unknown prefix with 400 naming the parameter', () => {
    rejects(() => parseDate('birthdate', '2020-13-01'), 'birthdate');
    rejects(() => parseDate('birthdate', 'xx2020'), 'birthdate');
    rejects(() => parseDate('birthdate', 'yesterday'), 'birthdate');
  });

  it('gives numbers their implied precision range', () => {
    const n = parseNumber('n', '100');
    expect([n.start, n.end]).to.deep.equal([99.5, 100.5]);
    const d = parseNumber('n', 'gt100.00');
    expect(d.prefix).to.equal('gt');
    expect(d.start).to.be.closeTo(99.995, 1e-9);
    const e = parseNumber('n', '1e2');
    expect([e.start, e.end]).to.deep.equal([50, 150]);
    rejects(() => parseNumber('n', '12abc'), 'n');
  });

  it('reads tokens: code, system|code, |code, system|', () => {
    expect(parseToken('abc')).to.deep.equal({ system: undefined, code: 'abc' });
    expect(parseToken('http://s|abc')).to.deep.equal({ system: 'http://s', code: 'abc' });
    expect(parseToken('|abc')).to.deep.equal({ system: null, code: 'abc' });
    expect(parseToken('http://s|')).to.deep.equal({ system: 'http://s', code: undefined });
    expect(parseToken('a\\|b')).to.deep.equal({ system: undefined, code: 'a|b' });
  });

  it('reads quantities with system|code and ||unit', () => {
    expect(parseQuantity('q', 'gt5.4|http://unitsofmeasure.org|mg')).to.include({ prefix: 'gt', value: 5.4, system: 'http://unitsofmeasure.org', code: 'mg' });
    expect(parseQuantity('q', '5||mg')).to.include({ value: 5, system: undefined, code: 'mg' });
    expect(parseQuantity('q', '5')).to.include({ value: 5, system: undefined, code: undefined });
    rejects(() => parseQuantity('q', 'five|x|y'), 'q');
  });

  it('reads references: id, Type/id, this server\'s absolute URL, other URLs', () => {
    expect(parseReference('subject', '123', BASE, undefined)).to.deep.equal({ kind: 'local', type: undefined, id: '123' });
    expect(parseReference('subject', '123', BASE, 'Patient')).to.deep.equal({ kind: 'local', type: 'Patient', id: '123' });
    expect(parseReference('subject', 'Patient/123/_history/2', BASE, undefined)).to.deep.equal({ kind: 'local', type: 'Patient', id: '123' });
    expect(parseReference('subject', `${BASE}/Patient/123`, BASE, undefined)).to.deep.equal({ kind: 'local', type: 'Patient', id: '123' });
    expect(parseReference('subject', 'http://other.org/fhir/Patient/1', BASE, undefined)).to.deep.equal({ kind: 'url', url: 'http://other.org/fhir/Patient/1' });
    rejects(() => parseReference('subject', 'Group/1', BASE, 'Patient'), 'subject');
    rejects(() => parseReference('subject', 'a b', BASE, undefined), 'subject');
  });
});
