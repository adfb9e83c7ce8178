import { expect } from 'chai';
import { createRequire } from 'node:module';
import { pgArray } from '../../../server/store/pg-array.js';

// node-postgres's own serialiser, the reference: pgArray must send the very same text.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => unknown };

describe('pgArray', () => {
  const awkward = ['', 'plain', 'NULL', 'null', 'a,b', '{x}', 'a "quoted" word', 'back\\slash', '\\"', 'tab\there', 'new\nline', ' lead', 'trail ', 'ünïcødé 中文 😀', '\u0001'];

  it('writes what node-postgres writes for the same array', () => {
    const numbers = [0, -0, 1, -1, 3.25, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, 123456789.123];
    const mixed: unknown[] = [...awkward, ...numbers, null, undefined];
    expect(pgArray(mixed)).to.equal(prepareValue(mixed));
    expect(pgArray([])).to.equal(prepareValue([]));
    // Without nulls or characters to escape (the one-join path), and with them.
    for (const plainOnes of [['a'], ['a', 'b c', 'NULL', ''], [1, 2.5, -3], ['x', 7, 'y,z']]) expect(pgArray(plainOnes)).to.equal(prepareValue(plainOnes));
    for (let i = 0; i < 500; i += 1) {
      const random = Array.from({ length: 1 + (i % 9) }, (_, k) => {
        const pick = (i * 7 + k * 13) % 4;
        if (pick === 0) return null;
        if (pick === 1) return ((i * 31 + k) % 1000) / 7;
        return `${awkward[(i + k) % awkward.length] ?? ""}${String.fromCharCode(32 + ((i * k) % 95))}`;
      });
      expect(pgArray(random), JSON.stringify(random)).to.equal(prepareValue(random));
    }
  });

  it('refuses anything but strings, numbers and null', () => {
    expect(() => pgArray([true])).to.throw(TypeError);
    expect(() => pgArray([{}])).to.throw(TypeError);
    expect(() => pgArray([[1]])).to.throw(TypeError);
  });
});
