/**
 * A stream's bytes, failing with `over()` as soon as they pass `max`: never more is
 * read, whatever the sender claimed up front. Both an uploaded `$import` body and a
 * file fetched for a manifest are read through it.
 */
export async function* bytesUpTo(input: AsyncIterable<Uint8Array | string>, max: number, over: () => Error): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const part of input) {
    const buf = typeof part === 'string' ? Buffer.from(part) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    n += buf.length;
    if (n > max) throw over();
    yield buf;
  }
}
