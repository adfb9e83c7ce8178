import { expect } from 'chai';
import { parsePath, termText } from '../../../../server/fhir/search/path/path-parse.js';
import { evaluateTerms, resourceNode } from '../../../../server/fhir/search/path/path-evaluate.js';

const isType = (n: string): boolean => ['Patient', 'Observation', 'Bundle', 'Condition', 'Resource'].includes(n);
const BASE = 'http://example.org/fhir';

function evaluate(expression: string, resource: Record<string, unknown> & { resourceType: string }): { value: unknown; type: string }[] {
  const terms = parsePath(expression, isType);
  if (terms === undefined) throw new Error('not in subset');
  const root = resourceNode(resource);
  return evaluateTerms(terms, root, root, BASE).map((n) => ({ value: n.value, type: n.type }));
}

describe('search: FHIRPath subset', () => {
  it('parses unions, ofType / as, where(resolve() is T), where(field=value), [n] and %resource', () => {
    const terms = parsePath("Patient.name | (Observation.value as CodeableConcept).text | Observation.subject.where(resolve() is Patient) | Patient.telecom.where(system='phone') | Bundle.entry[0].resource", isType);
    expect(terms?.map(termText)).to.deep.equal([
      'Patient.name',
      'Observation.value.ofType(CodeableConcept).text',
      'Observation.subject.where(resolve() is Patient)',
      "Patient.telecom.where(system='phone')",
      'Bundle.entry[0].resource',
    ]);
    expect(parsePath('%resource.referenceSeq.chromosome', isType)?.[0]?.fromResource).to.equal(true);
    expect(parsePath('value.ofType(DateTime)', isType)?.map(termText)).to.deep.equal(['value.ofType(dateTime)']);
  });

  it('leaves anything else to fhirpath.js', () => {
    expect(parsePath('Patient.deceased.exists() and Patient.deceased != false', isType)).to.equal(undefined);
    expect(parsePath('Patient.name.first().given', isType)?.length).to.equal(1);
  });

  it('navigates choice types and types each value from the R4 definitions', () => {
    const obs = { resourceType: 'Observation', valueQuantity: { value: 5 }, effectivePeriod: { start: '2020' }, code: { text: 'x' } };
    expect(evaluate('Observation.value', obs)).to.deep.equal([{ value: { value: 5 }, type: 'Quantity' }]);
    expect(evaluate('Observation.effective', obs)).to.deep.equal([{ value: { start: '2020' }, type: 'Period' }]);
    expect(evaluate('Observation.value.ofType(CodeableConcept)', obs)).to.deep.equal([]);
    expect(evaluate('Observation.code.text', obs)).to.deep.equal([{ value: 'x', type: 'string' }]);
  });

  it('keeps backbone element paths and filters references by their type', () => {
    const p = {
      resourceType: 'Patient',
      contact: [{ name: { family: 'A' } }],
      generalPractitioner: [{ reference: 'Practitioner/1' }, { reference: `${BASE}/Organization/2` }],
      telecom: [{ system: 'phone', value: '1' }, { system: 'email', value: 'a@b' }],
    };
    expect(evaluate('Patient.contact.name.family', p)).to.deep.equal([{ value: 'A', type: 'string' }]);
    expect(evaluate('Patient.generalPractitioner.where(resolve() is Organization)', p)).to.have.length(1);
    expect(evaluate("Patient.telecom.where(system='email')", p)).to.deep.equal([{ value: { system: 'email', value: 'a@b' }, type: 'ContactPoint' }]);
  });

  it('reads resources inside resources (Bundle.entry.resource)', () => {
    const b = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: '1' } }, { resource: { resourceType: 'Condition' } }] };
    expect(evaluate('Bundle.entry[0].resource', b).map((n) => n.type)).to.deep.equal(['Patient']);
  });

  it('picks [n] and first() from the whole collection the steps before yield, not from each parent', () => {
    const p = { resourceType: 'Patient', name: [{ given: ['A', 'B'] }, { given: ['C'] }, { family: 'F' }] };
    expect(evaluate('Patient.name.given[2]', p)).to.deep.equal([{ value: 'C', type: 'string' }]);
    expect(evaluate('Patient.name.given.first()', p)).to.deep.equal([{ value: 'A', type: 'string' }]);
    expect(evaluate('Patient.name[1].given', p)).to.deep.equal([{ value: 'C', type: 'string' }]);
    expect(evaluate('Patient.name[2].given[0]', p)).to.deep.equal([]);
    expect(evaluate('Patient.name.given[5]', p)).to.deep.equal([]);
  });
});
