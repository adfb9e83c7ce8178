import { expect } from 'chai';
import { applyJsonPatch } from '../../../../server/fhir/patch/json-patch.js';
import { chalmers, weight } from './fixtures.js';
import { deepFreeze, expectFhirError } from './support.js';

const apply = (patch: unknown, resource: Readonly<Record<string, unknown>> = chalmers()) =>
  applyJsonPatch(deepFreeze(resource), deepFreeze(patch));

describe('fhir/patch/json-patch', () => {
  describe('applies RFC 6902 operations', () => {
    it('add, replace and remove', () => {
      const result = apply([
        { op: 'add', path: '/maritalStatus', value: { text: 'Married' } },
        { op: 'add', path: '/name/0/given/-', value: 'Jacob' },
        { op: 'add', path: '/telecom/0', value: { system: 'email', value: 'p@example.org' } },
        { op: 'replace', path: '/gender', value: 'other' },
        { op: 'remove', path: '/deceasedBoolean' },
      ]);
      expect(result).to.deep.include({ maritalStatus: { text: 'Married' }, gender: 'other' });
      expect(result).to.not.have.property('deceasedBoolean');
      expect((result['name'] as unknown[])[0]).to.deep.include({ given: ['Peter', 'James', 'Jacob'] });
      expect((result['telecom'] as unknown[]).length).to.equal(3);
    });

    it('move, copy and a passing test', () => {
      const result = apply([
        { op: 'test', path: '/id', value: 'example' },
        { op: 'test', path: '/name/1', value: { use: 'usual', given: ['Jim'] } },
        { op: 'move', from: '/name/1', path: '/name/0' },
        { op: 'copy', from: '/telecom/1', path: '/contact/0/telecom/-' },
      ]);
      expect((result['name'] as { use: string }[]).map((n) => n.use)).to.deep.equal(['usual', 'official']);
      expect((result['contact'] as { telecom: unknown[] }[])[0]?.telecom).to.have.length(2);
    });

    it('unescapes ~0 and ~1 in pointers', () => {
      const result = apply([{ op: 'add', path: '/extension', value: [{ url: 'http://example.org/a~b/c', valueString: 'x' }] }, { op: 'test', path: '/extension/0/url', value: 'http://example.org/a~b/c' }]);
      expect(result['extension']).to.have.length(1);
      expect(apply([{ op: 'add', path: '/a~1b', value: 1 }], { resourceType: 'Basic' })).to.deep.equal({ resourceType: 'Basic', 'a/b': 1 });
    });

    it('leaves the resource and the patch untouched, and shares nothing with them', () => {
      const value = { text: 'Married' };
      const patch = deepFreeze([{ op: 'add', path: '/maritalStatus', value }]);
      const result = applyJsonPatch(deepFreeze(weight()), patch);
      (result['maritalStatus'] as Record<string, unknown>)['text'] = 'changed';
      expect(value.text).to.equal('Married');
    });

    it('is all or nothing', () => {
      const resource = deepFreeze(chalmers());
      expectFhirError(() => applyJsonPatch(resource, [{ op: 'replace', path: '/gender', value: 'other' }, { op: 'test', path: '/active', value: false }]), 422);
      expect(resource).to.deep.equal(chalmers());
    });
  });

  describe('a malformed patch document is 400 invalid', () => {
    const cases: readonly [string, unknown, RegExp][] = [
      ['an object', { op: 'add', path: '/a', value: 1 }, /array of operations/],
      ['null', null, /array of operations/],
      ['an operation that is not an object', ['add'], /operation 0: must be an object/],
      ['an unknown op', [{ op: 'merge', path: '/a', value: 1 }], /operation 0: unknown op "merge"/],
      ['a missing op', [{ path: '/a', value: 1 }], /unknown op undefined/],
      ['a missing path', [{ op: 'remove' }], /'path' must be a JSON Pointer/],
      ['a path without a leading slash', [{ op: 'remove', path: 'gender' }], /'path' must be a JSON Pointer/],
      ['a bad ~ escape', [{ op: 'remove', path: '/a~2b' }], /'path' must be a JSON Pointer/],
      ['add without value', [{ op: 'add', path: '/a' }], /'add' requires 'value'/],
      ['test without value', [{ op: 'test', path: '/a' }], /'test' requires 'value'/],
      ['move without from', [{ op: 'move', path: '/a' }], /'move' requires 'from'/],
      ['a __proto__ path', [{ op: 'add', path: '/__proto__/polluted', value: true }], /not allowed/],
    ];
    for (const [name, patch, diagnostics] of cases) {
      it(`rejects ${name}`, () => {
        expectFhirError(() => apply(patch), 400, diagnostics);
      });
    }

    it('names the operation that is malformed', () => {
      expectFhirError(() => apply([{ op: 'remove', path: '/gender' }, { op: 'remove', path: '/birthDate' }, { op: 'nope', path: '/a' }]), 400, /operation 2/);
    });
  });

  describe('a patch that does not apply is 422 processing', () => {
    const cases: readonly [string, unknown][] = [
      ['a failing test', [{ op: 'test', path: '/gender', value: 'female' }]],
      ['a test of an absent element', [{ op: 'test', path: '/maritalStatus', value: { text: 'x' } }]],
      ['removing an absent element', [{ op: 'remove', path: '/maritalStatus' }]],
      ['replacing an absent element', [{ op: 'replace', path: '/name/5/family', value: 'x' }]],
      ['adding beneath an absent parent', [{ op: 'add', path: '/maritalStatus/text', value: 'x' }]],
      ['adding past the end of an array', [{ op: 'add', path: '/name/3', value: { family: 'x' } }]],
      ['moving from an absent element', [{ op: 'move', from: '/photo/0', path: '/name/0' }]],
      ['replacing the resource with a non-object', [{ op: 'replace', path: '', value: 'Patient' }]],
      ['removing the resource', [{ op: 'remove', path: '' }]],
    ];
    for (const [name, patch] of cases) {
      it(`rejects ${name}`, () => {
        expectFhirError(() => apply(patch), 422);
      });
    }

    it('names the operation that failed', () => {
      expectFhirError(() => apply([{ op: 'test', path: '/id', value: 'example' }, { op: 'test', path: '/id', value: 'other' }]), 422, /operation 1: Test operation failed/);
    });
  });
});
