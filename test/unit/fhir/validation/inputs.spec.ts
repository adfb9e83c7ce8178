import { expect } from 'chai';
import { errorsOf, summary, validate } from './validator-fixture.js';
import { patient, transaction, withProps } from './fixtures.js';

describe('fhir/validation: any input', () => {
  it('reports non-objects instead of throwing', () => {
    for (const input of [null, undefined, 42, 'Patient', true, [], [patient()]]) {
      const issues = validate(input);
      expect(issues.map((i) => i.code), JSON.stringify(input)).to.deep.equal(['structure']);
      expect(issues[0]?.severity).to.equal('error');
    }
  });

  it('reports a missing, non-string, unknown or abstract resourceType', () => {
    expect(summary(validate({ id: 'x' }))).to.deep.equal(['required @ resourceType']);
    expect(summary(validate({ resourceType: 42 }))).to.deep.equal(['structure @ resourceType']);
    expect(summary(validate({ resourceType: 'Foo' }))).to.deep.equal(['not-supported @ resourceType']);
    expect(summary(validate({ resourceType: 'DomainResource' }))).to.deep.equal(['not-supported @ resourceType']);
    // Medplum's own types are not R4.
    expect(summary(validate({ resourceType: 'Project', name: 'x' }))).to.deep.equal(['not-supported @ resourceType']);
  });

  it('reports bad inline resources where they are', () => {
    const p = withProps(patient(), { contained: [{ resourceType: 'Foo', id: 'a' }, { id: 'b' }, 'x'] });
    expect(summary(errorsOf(p))).to.deep.equal([
      'not-supported @ Patient.contained[0]',
      'required @ Patient.contained[1].resourceType',
      'structure @ Patient.contained[2]',
    ]);
    const b = transaction([patient()]);
    b['entry'] = [{ resource: 7, request: { method: 'POST', url: 'Patient' } }];
    expect(summary(errorsOf(b))).to.deep.equal(['structure @ Bundle.entry[0].resource']);
  });

  it('reports each problem once', () => {
    const messy = withProps(patient(), {
      id: 'bad id',
      active: 'yes',
      gender: 'woman',
      birthDate: '2023-02-31',
      deceasedBoolean: false,
      deceasedDateTime: '2020',
      name: [{ family: ['Doe'], given: [3] }],
      foo: {},
    });
    const lines = summary(errorsOf(messy));
    expect(lines).to.have.members([
      'value @ Patient.id',
      'structure @ Patient.active',
      'code-invalid @ Patient.gender',
      'value @ Patient.birthDate',
      'structure @ Patient.deceasedBoolean + Patient.deceasedDateTime',
      'structure @ Patient.name[0].family',
      'structure @ Patient.name[0].given[0]',
      'structure @ Patient.foo',
    ]);
    expect(new Set(lines).size).to.equal(lines.length);
  });

  it('does not throw on megabytes of data (linear base64 check; regexes that run out of stack are caught)', () => {
    const data = Buffer.alloc(9_000_000, 7).toString('base64');
    expect(summary(errorsOf(withProps(patient(), { photo: [{ contentType: 'image/png', data }] })))).to.deep.equal([]);
    const huge = withProps(patient(), { language: 'ab '.repeat(3_000_000) + 'x' });
    const codes = errorsOf(huge).map((i) => i.code);
    expect(codes).to.have.length(1);
    expect(['value', 'too-costly']).to.include(codes[0]);
  });

  it('does not throw on absurdly deep nesting', () => {
    let ext: Record<string, unknown> = { url: 'http://example.org/x', valueString: 'leaf' };
    for (let i = 0; i < 20_000; i++) ext = { url: 'http://example.org/x', extension: [ext] };
    const codes = errorsOf(withProps(patient(), { extension: [ext] })).map((i) => i.code);
    expect(codes).to.deep.equal(['too-costly']);
  });
});
