import { expect } from 'chai';
import { Readable } from 'node:stream';
import { LineTooLong, numberedLines } from '../../../server/import/ndjson.js';

async function all(pieces: readonly (string | Buffer)[], max?: number): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const { line, text } of numberedLines(Readable.from(pieces), max)) out.push([line, text]);
  return out;
}

describe('numberedLines (NDJSON line splitting)', () => {
  it('splits at \\n wherever the pieces break, drops a \\r before it, keeps blank lines numbered and a last line without \\n', async () => {
    expect(await all(['a\r\nb', 'c\n\n', 'd'])).to.deep.equal([[1, 'a'], [2, 'bc'], [3, ''], [4, 'd']]);
    expect(await all(['a\n', 'b\n'])).to.deep.equal([[1, 'a'], [2, 'b']]);
    expect(await all(['\n\n'])).to.deep.equal([[1, ''], [2, '']]);
    // A lone \r is whitespace inside JSON, not a line break (readline would have split there).
    expect(await all(['{"a":\r1}\n'])).to.deep.equal([[1, '{"a":\r1}']]);
  });

  it('decodes UTF-8 split across pieces', async () => {
    const bytes = Buffer.from('é中😀\nü');
    const pieces = Array.from(bytes, (b) => Buffer.from([b]));
    expect(await all(pieces)).to.deep.equal([[1, 'é中😀'], [2, 'ü']]);
  });

  it('throws LineTooLong with the line number once a line passes the limit, in one piece or many', async () => {
    const err = await all(['ok\n', 'x'.repeat(11)], 10).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LineTooLong).with.property('line', 2);
    const many = await all(['ok\nxxxxx', 'xxxxx', 'x\n'], 10).catch((e: unknown) => e);
    expect(many).to.be.instanceOf(LineTooLong).with.property('line', 2);
    expect(await all(['x'.repeat(10), '\n'], 10)).to.deep.equal([[1, 'x'.repeat(10)]]);
  });
});
