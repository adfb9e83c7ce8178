import { expect } from 'chai';
import { applyFhirPathPatch } from '../../../../server/fhir/patch/fhirpath-patch.js';
import { add, deepFreeze, del, expectFhirError, fhirPatch, insert, move, replace } from './support.js';

/**
 * The R4 FHIRPath Patch test cases (FHIR/fhir-test-cases r4/patch/fhir-patch-tests.xml),
 * restated in JSON: input, patch, expected output.
 */
interface Case {
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly patch: Readonly<Record<string, unknown>>;
  readonly output: Readonly<Record<string, unknown>>;
}

const contact = { resourceType: 'Patient', contact: [{ name: { text: 'a name' }, gender: 'male' }] };
const ids = (...values: number[]) => ({
  resourceType: 'Patient',
  identifier: values.map((n) => ({ system: 'http://example.org', value: `value ${n}` })),
});

const cases: readonly Case[] = [
  { name: 'No Difference', input: { resourceType: 'Patient', birthDate: '1920-01-01' }, patch: fhirPatch(), output: { resourceType: 'Patient', birthDate: '1920-01-01' } },
  {
    name: 'Replace Primitive',
    input: { resourceType: 'Patient', birthDate: '1920-01-01' },
    patch: fhirPatch(replace('Patient.birthDate', { valueDate: '1930-01-01' })),
    output: { resourceType: 'Patient', birthDate: '1930-01-01' },
  },
  {
    name: 'Delete Primitive',
    input: { resourceType: 'Patient', birthDate: '1920-01-01' },
    patch: fhirPatch(del('Patient.birthDate')),
    output: { resourceType: 'Patient' },
  },
  {
    name: 'Add Primitive',
    input: { resourceType: 'Patient' },
    patch: fhirPatch(add('Patient', 'birthDate', { valueDate: '1930-01-01' })),
    output: { resourceType: 'Patient', birthDate: '1930-01-01' },
  },
  {
    name: 'Replace Nested Primitive #1',
    input: contact,
    patch: fhirPatch(replace('Patient.contact[0].gender', { valueCode: 'female' })),
    output: { resourceType: 'Patient', contact: [{ name: { text: 'a name' }, gender: 'female' }] },
  },
  {
    name: 'Replace Nested Primitive #2',
    input: contact,
    patch: fhirPatch(replace('Patient.contact[0].name.text', { valueString: 'the name' })),
    output: { resourceType: 'Patient', contact: [{ name: { text: 'the name' }, gender: 'male' }] },
  },
  {
    name: 'Delete Nested Primitive #1',
    input: contact,
    patch: fhirPatch(del('Patient.contact[0].gender')),
    output: { resourceType: 'Patient', contact: [{ name: { text: 'a name' } }] },
  },
  {
    name: 'Delete Nested Primitive #2 (the emptied name goes too)',
    input: contact,
    patch: fhirPatch(del('Patient.contact[0].name.text')),
    output: { resourceType: 'Patient', contact: [{ gender: 'male' }] },
  },
  {
    name: 'Add Nested Primitive',
    input: { resourceType: 'Patient', contact: [{ name: { text: 'a name' } }] },
    patch: fhirPatch(add('Patient.contact[0]', 'gender', { valueCode: 'male' })),
    output: contact,
  },
  {
    name: 'Add Complex',
    input: { resourceType: 'Patient' },
    patch: fhirPatch(add('Patient', 'maritalStatus', { valueCodeableConcept: { text: 'married' } })),
    output: { resourceType: 'Patient', maritalStatus: { text: 'married' } },
  },
  {
    name: 'Replace Complex',
    input: { resourceType: 'Patient', maritalStatus: { id: '1', text: 'married' } },
    patch: fhirPatch(replace('Patient.maritalStatus', { valueCodeableConcept: { id: '2', text: 'not married' } })),
    output: { resourceType: 'Patient', maritalStatus: { id: '2', text: 'not married' } },
  },
  {
    name: 'Delete Complex',
    input: { resourceType: 'Patient', maritalStatus: { text: 'married' } },
    patch: fhirPatch(del('Patient.maritalStatus')),
    output: { resourceType: 'Patient' },
  },
  {
    name: 'Add Anonymous Type (value given as parts)',
    input: { resourceType: 'Patient' },
    patch: fhirPatch(add('Patient', 'contact', { part: [{ name: 'name', valueHumanName: { text: 'a name' } }] })),
    output: { resourceType: 'Patient', contact: [{ name: { text: 'a name' } }] },
  },
  {
    name: 'Delete Anonymous Type',
    input: { resourceType: 'Patient', contact: [{ name: { text: 'a name' } }] },
    patch: fhirPatch(del('Patient.contact[0]')),
    output: { resourceType: 'Patient' },
  },
  {
    name: 'List unchanged, contents changed (operations apply in order)',
    input: { resourceType: 'Patient', identifier: [{ id: 'a', value: 'value 1' }, { id: 'b', value: 'value 2' }] },
    patch: fhirPatch(replace('Patient.identifier[0].value', { valueString: 'value 2' }), replace('Patient.identifier[1].value', { valueString: 'value 1' })),
    output: { resourceType: 'Patient', identifier: [{ id: 'a', value: 'value 2' }, { id: 'b', value: 'value 1' }] },
  },
  {
    name: 'Add to list',
    input: ids(1, 2),
    patch: fhirPatch(add('Patient', 'identifier', { valueIdentifier: { system: 'http://example.org', value: 'value 3' } })),
    output: ids(1, 2, 3),
  },
  {
    name: 'Insert in list at the end',
    input: ids(1, 2),
    patch: fhirPatch(insert('Patient.identifier', 2, { valueIdentifier: { system: 'http://example.org', value: 'value 3' } })),
    output: ids(1, 2, 3),
  },
  {
    name: 'Insert in list #1',
    input: ids(1, 2),
    patch: fhirPatch(insert('Patient.identifier', 1, { valueIdentifier: { system: 'http://example.org', value: 'value 3' } })),
    output: ids(1, 3, 2),
  },
  {
    name: 'Insert in list #2',
    input: ids(1, 2),
    patch: fhirPatch(insert('Patient.identifier', 0, { valueIdentifier: { system: 'http://example.org', value: 'value 3' } })),
    output: ids(3, 1, 2),
  },
  { name: 'Delete from List #1', input: ids(1, 2, 3), patch: fhirPatch(del('Patient.identifier[0]')), output: ids(2, 3) },
  { name: 'Delete from List #2', input: ids(1, 2, 3), patch: fhirPatch(del('Patient.identifier[1]')), output: ids(1, 3) },
  { name: 'Delete from List #3', input: ids(1, 2, 3), patch: fhirPatch(del('Patient.identifier[2]')), output: ids(1, 2) },
  { name: 'Reorder List #1', input: ids(1, 2, 3, 4), patch: fhirPatch(move('Patient.identifier', 3, 1)), output: ids(1, 4, 2, 3) },
  { name: 'Reorder List #2', input: ids(1, 2, 3, 4), patch: fhirPatch(move('Patient.identifier', 3, 0)), output: ids(4, 1, 2, 3) },
  { name: 'Reorder List #3', input: ids(1, 2, 3, 4), patch: fhirPatch(move('Patient.identifier', 3, 2)), output: ids(1, 2, 4, 3) },
  { name: 'Reorder List #4', input: ids(1, 2, 3, 4), patch: fhirPatch(move('Patient.identifier', 0, 3)), output: ids(2, 3, 4, 1) },
  {
    name: 'Reorder List #5',
    input: ids(1, 2, 3, 4),
    patch: fhirPatch(move('Patient.identifier', 1, 0), move('Patient.identifier', 2, 1)),
    output: ids(2, 3, 1, 4),
  },
  {
    name: 'Reorder List #6',
    input: ids(1, 2, 3, 4),
    patch: fhirPatch(move('Patient.identifier', 3, 0), move('Patient.identifier', 3, 1), move('Patient.identifier', 3, 2)),
    output: ids(4, 3, 2, 1),
  },
  {
    name: 'Operation on missing element #2 (add creates the list)',
    input: { resourceType: 'Patient' },
    patch: fhirPatch(add('Patient', 'identifier', { valueIdentifier: { system: 'http://example.org', value: 'value 3' } })),
    output: ids(3),
  },
  {
    name: 'Full Resource (xhtml given as valueString)',
    input: { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Chalmers</div>' }, name: [{ family: 'Chalmers' }] },
    patch: fhirPatch(
      replace('Patient.text.div', { valueString: '<div xmlns="http://www.w3.org/1999/xhtml">Chalmers1</div>' }),
      replace('Patient.name[0].family', { valueString: 'Chalmers1' }),
    ),
    output: { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Chalmers1</div>' }, name: [{ family: 'Chalmers1' }] },
  },
];

describe('fhir/patch/fhirpath-patch: the R4 test cases', () => {
  for (const c of cases) {
    it(c.name, () => {
      const input = deepFreeze(structuredClone(c.input));
      const result = applyFhirPathPatch(input, deepFreeze(structuredClone(c.patch)));
      expect(result).to.deep.equal(c.output);
      expect(result).to.not.equal(input);
    });
  }

  it('Operation on missing element: add to a path that selects nothing is a 422', () => {
    const input = { resourceType: 'Patient', identifier: [{ use: 'official', value: '123' }] };
    const patch = fhirPatch(add("Patient.identifier.where(use = 'official').period", 'end', { valueDateTime: '2021-12-01' }));
    expectFhirError(() => applyFhirPathPatch(input, patch), 422, /operation 0 .*no element found/);
  });
});
