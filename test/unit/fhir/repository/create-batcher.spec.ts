import { expect } from 'chai';
import { CreateBatcher, type WriteMany } from '../../../../server/fhir/repository/create-batcher.js';
import type { NewResource } from '../../../../server/store/insert-many.js';
import { IndexRows } from '../../../../server/store/search/rows.js';
import type { VersionInfo } from '../../../../server/store/types.js';

const item = (id: string): NewResource => ({ resourceType: 'Patient', id, content: '{}', method: 'POST', index: new IndexRows() });
const version: VersionInfo = { versionId: 1, lastUpdated: new Date(0) };

/** A store whose statements finish only when the test says so, recording each batch. */
function controlledStore(fail: (ids: readonly string[]) => boolean = () => false, taken: ReadonlySet<string> = new Set()) {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const write: WriteMany = (items) => {
    const ids = items.map((i) => i.id);
    batches.push(ids);
    return new Promise((resolve, reject) => {
      finish.push(() => (fail(ids) ? reject(new Error(`bad batch ${ids.join(',')}`)) : resolve(ids.map((id) => (taken.has(id) ? undefined : version)))));
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
  it('writes a lone create at once, and creates arriving meanwhile together in the next statement', async () => {
    const store = controlledStore();
    const batcher = new CreateBatcher(store.write, 1, 100);
    const first = batcher.create(item('a'));
    expect(store.batches).to.deep.equal([['a']]);
    const later = ['b', 'c', 'd'].map((id) => batcher.create(item(id)));
    expect(store.batches).to.have.length(1);
    await store.finishAll();
    expect(store.batches).to.deep.equal([['a'], ['b', 'c', 'd']]);
    expect(await Promise.all([first, ...later])).to.deep.equal([version, version, version, version]);
  });

  it('keeps at most maxInFlight statements running and at most maxBatch creates in one', async () => {
    const store = controlledStore();
    const batcher = new CreateBatcher(store.write, 2, 3);
    const all = Array.from({ length: 9 }, (_, i) => batcher.create(item(`r${i}`)));
    expect(store.batches).to.deep.equal([['r0'], ['r1']]);
    await store.finishAll();
    expect(store.batches.map((b) => b.length)).to.deep.equal([1, 1, 3, 3, 1]);
    await Promise.all(all);
  });

  it('retries a failed batch one create at a time, so only the create at fault fails', async () => {
    const store = controlledStore((ids) => ids.includes('bad'));
    const batcher = new CreateBatcher(store.write, 1, 100);
    const lone = batcher.create(item('x'));
    const results = ['ok1', 'bad', 'ok2'].map((id) => batcher.create(item(id)).then(() => 'ok', (err: unknown) => String(err)));
    await store.finishAll();
    await lone;
    expect(await Promise.all(results)).to.deep.equal(['ok', 'Error: bad batch bad', 'ok']);
    expect(store.batches).to.deep.include(['ok1', 'bad', 'ok2']);
  });

  it('fails a create whose id was taken, and only that one', async () => {
    const store = controlledStore(() => false, new Set(['dup']));
    const batcher = new CreateBatcher(store.write, 1, 100);
    const results = ['a', 'dup', 'b'].map((id) => batcher.create(item(id)).then(() => 'ok', (err: unknown) => String(err)));
    await store.finishAll();
    expect(await Promise.all(results)).to.deep.equal(['ok', 'Error: create: id collision on Patient/dup', 'ok']);
  });
});
