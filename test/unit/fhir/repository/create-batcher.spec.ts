import { expect } from 'chai';
import { CreateBatcher, type WriteBatch } from '../../../../server/fhir/repository/create-batcher.js';

/** A store whose batches finish only when the test says so, recording each batch. */
function controlledStore(fail: (ids: readonly string[]) => boolean = () => false) {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const write: WriteBatch<string, string> = (ids) => {
    batches.push([...ids]);
    return new Promise((resolve, reject) => {
      finish.push(() => (fail(ids) ? reject(new Error(`bad batch ${ids.join(',')}`)) : resolve(ids.map((id) => `stored ${id}`))));
    });
  };
  const finishAll = async (): Promise<void> => {
    while (finish.length > 0) {
      finish.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { write, batches, finishAll };
}

describe('CreateBatcher (group commit of plain creates)', () => {
  it('writes a lone create at once, and creates arriving meanwhile together in the next batch', async () => {
    const store = controlledStore();
    const batcher = new CreateBatcher(store.write, 1, 100);
    const first = batcher.create('a');
    expect(store.batches).to.deep.equal([['a']]);
    const later = ['b', 'c', 'd'].map((id) => batcher.create(id));
    expect(store.batches).to.have.length(1);
    await store.finishAll();
    expect(store.batches).to.deep.equal([['a'], ['b', 'c', 'd']]);
    expect(await Promise.all([first, ...later])).to.deep.equal(['stored a', 'stored b', 'stored c', 'stored d']);
  });

  it('keeps at most maxInFlight batches running and at most maxBatch creates in one', async () => {
    const store = controlledStore();
    const batcher = new CreateBatcher(store.write, 2, 3);
    const all = Array.from({ length: 9 }, (_, i) => batcher.create(`r${i}`));
    expect(store.batches).to.deep.equal([['r0'], ['r1']]);
    await store.finishAll();
    expect(store.batches.map((b) => b.length)).to.deep.equal([1, 1, 3, 3, 1]);
    expect(await Promise.all(all)).to.deep.equal(Array.from({ length: 9 }, (_, i) => `stored r${i}`));
  });

  it('retries a failed batch one create at a time, so only the create at fault fails', async () => {
    const store = controlledStore((ids) => ids.includes('bad'));
    const batcher = new CreateBatcher(store.write, 1, 100);
    const lone = batcher.create('x');
    const results = ['ok1', 'bad', 'ok2'].map((id) => batcher.create(id).catch((err: unknown) => String(err)));
    await store.finishAll();
    await lone;
    expect(await Promise.all(results)).to.deep.equal(['stored ok1', 'Error: bad batch bad', 'stored ok2']);
    expect(store.batches).to.deep.include(['ok1', 'bad', 'ok2']);
    expect(store.batches).to.deep.include(['ok1']);
  });
});
