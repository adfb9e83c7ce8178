import { expect } from 'chai';
import { Readable } from 'node:stream';
import { FhirError } from '../../../server/errors/fhir-error.js';
import { bundleIntake, CHUNK_MAX_BYTES, ndjsonIntake, type IntakeAccess } from '../../../server/import/import-intake.js';
import { lineId } from '../../../server/import/ndjson.js';

/** Chunks the intake hands to the store, and the types it asked about. */
function recorder(refuse: readonly string[] = []): { chunks: [number, string][]; asked: string[]; access: IntakeAccess; sink: (first: number, body: string) => Promise<void> } {
  const chunks: [number, string][] = [];
  const asked: string[] = [];
  const access: IntakeAccess = {
    type(t) {
      asked.push(t);
      if (refuse.includes(t)) throw new FhirError('forbidden', `no write access to ${t}`);
    },
    entry(method, url) {
      asked.push(`${method} ${url}`);
    },
  };
  return { chunks, asked, access, sink: (first, body) => Promise.resolve(void chunks.push([first, body])) };
}

/** The body as a stream delivers it: in pieces. */
const parts = (...texts: string[]): AsyncIterable<Buffer> => Readable.from(texts.map((t) => Buffer.from(t)));

const p = (n: number): string => JSON.stringify({ resourceType: 'Patient', id: `p${String(n)}` });

describe('$import intake', () => {
  it('splits NDJSON into chunks of N resource lines, keeping blank lines so line numbers hold, and asks about each type once', async () => {
    const r = recorder();
    const body = [p(1), '', p(2), '{ bad', p(3), JSON.stringify({ resourceType: 'Observation' }), ''].join('\n');
    // Split mid-line, as a socket would.
    const lines = await ndjsonIntake(parts(body.slice(0, 7), body.slice(7)), r.sink, r.access, { maxBytes: 10_000, chunkLines: 2, maxLineBytes: 1_000_000 });
    expect(lines).to.equal(6);
    expect(r.chunks).to.deep.equal([
      [1, `${p(1)}\n\n${p(2)}`],
      [4, `{ bad\n${p(3)}`],
      [6, JSON.stringify({ resourceType: 'Observation' })],
    ]);
    expect(r.asked).to.deep.equal(['Patient', 'Observation']);
  });

  it('stops reading at the byte limit (413) and at the first refused type (403)', async () => {
    const big = recorder();
    const tooLarge = await ndjsonIntake(parts(p(1), '\n', p(2), '\n', p(3)), big.sink, big.access, { maxBytes: 40, chunkLines: 1, maxLineBytes: 1_000_000 }).catch((e: unknown) => e);
    expect(tooLarge).to.be.instanceOf(FhirError).with.property('status', 413);
    const refused = recorder(['Observation']);
    const body = [p(1), JSON.stringify({ resourceType: 'Observation' })].join('\n');
    const err = await ndjsonIntake(parts(body), refused.sink, refused.access, { maxBytes: 10_000, chunkLines: 10, maxLineBytes: 1_000_000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FhirError).with.property('status', 403);
  });

  it('takes a batch or transaction Bundle whole, checking each entry; anything else is 400', async () => {
    const r = recorder();
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }] };
    expect(await bundleIntake(bundle, r.sink, r.access, 10)).to.equal(1);
    expect(r.asked).to.deep.equal(['POST Patient', 'Patient']);
    expect(r.chunks).to.deep.equal([[0, JSON.stringify(bundle)]]);
    for (const bad of [{ resourceType: 'Patient' }, { ...bundle, type: 'collection' }, { ...bundle, entry: [] }]) {
      const err = await bundleIntake(bad, r.sink, r.access, 10).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FhirError).with.property('status', 400);
    }
    const many = await bundleIntake(bundle, r.sink, r.access, 0).catch((e: unknown) => e);
    expect(many).to.be.instanceOf(FhirError).with.property('status', 413);
  });

  it('derives the id of a line without one from the job and the line: stable, distinct, a valid FHIR id', () => {
    const job = '6f1c2a4e-8d3b-4c1f-9a7e-2b5d8c0e1f3a';
    expect(lineId(job, 7)).to.equal(lineId(job, 7));
    expect(lineId(job, 7)).to.not.equal(lineId(job, 8));
    expect(lineId(job, 7)).to.not.equal(lineId('0d4e5f6a-1b2c-4d3e-8f9a-0b1c2d3e4f5a', 7));
    expect(lineId(job, 7)).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a line longer than MAX_BODY_BYTES (413) before reading the rest of it, and closes chunks at CHUNK_MAX_BYTES', async () => {
    const r = recorder();
    const long = JSON.stringify({ resourceType: 'Patient', text: { div: 'x'.repeat(500) } });
    let read = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${p(1)}\n`);
      // A line that never ends: the intake must stop once it passes the limit, not buffer it all.
      for (;;) {
        read += 1;
        yield await Promise.resolve(Buffer.from(long.slice(0, 100)));
      }
    }
    const err = await ndjsonIntake(endless(), r.sink, r.access, { maxBytes: 10_000_000, chunkLines: 10, maxLineBytes: 1000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FhirError).with.property('status', 413);
    expect((err as FhirError).message).to.contain('line 2');
    expect(read).to.be.lessThan(20);
    const big = recorder();
    const lines = Array.from({ length: 3 }, () => JSON.stringify({ resourceType: 'Patient', text: { div: 'y'.repeat(CHUNK_MAX_BYTES / 2) } }));
    await ndjsonIntake(parts(lines.join('\n')), big.sink, big.access, { maxBytes: Number.MAX_SAFE_INTEGER, chunkLines: 500, maxLineBytes: CHUNK_MAX_BYTES });
    expect(big.chunks.map(([first]) => first)).to.deep.equal([1, 3]);
  });
});
