import { expect } from 'chai';
import { Limiter } from '../../../../server/fhir/bundle/limiter.js';

describe('Bundle limiter', () => {
  it('runs at most max tasks at once, the rest in arrival order, and frees the slot on failure', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (n: number, fail = false) => () =>
      new Promise<number>((resolve, reject) => {
        running += 1;
        peak = Math.max(peak, running);
        order.push(n);
        setTimeout(() => {
          running -= 1;
          if (fail) reject(new Error('boom'));
          else resolve(n);
        }, 5);
      });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => limiter.run(task(n, n === 2))));
    expect(peak).to.equal(2);
    expect(order).to.deep.equal([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(await limiter.run(() => Promise.resolve('free again'))).to.equal('free again');
  });
});

describe('Bundle limiter with a weight budget', () => {
  /** A task that records when it runs and ends when `release` is called for it. */
  function gate(): { readonly started: string[]; task: (name: string) => () => Promise<string>; release: (name: string) => Promise<void> } {
    const started: string[] = [];
    const ends = new Map<string, () => void>();
    return {
      started,
      task: (name) => () =>
        new Promise<string>((resolve) => {
          started.push(name);
          ends.set(name, () => resolve(name));
        }),
      release: async (name) => {
        ends.get(name)?.();
        await new Promise((r) => setImmediate(r));
      },
    };
  }
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('runs light tasks side by side up to the budget, and a heavy one waits for room', async () => {
    const limiter = new Limiter(4, 10);
    const g = gate();
    const runs = [limiter.run(g.task('a'), 4), limiter.run(g.task('b'), 4), limiter.run(g.task('c'), 4), limiter.run(g.task('d'), 1)];
    await tick();
    // c (4) does not fit beside a and b (8 of 10); d would fit but does not overtake c.
    expect(g.started).to.deep.equal(['a', 'b']);
    await g.release('a');
    expect(g.started).to.deep.equal(['a', 'b', 'c', 'd']);
    for (const n of ['b', 'c', 'd']) await g.release(n);
    expect(await Promise.all(runs)).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('a task heavier than the whole budget runs alone, and the count limit still holds', async () => {
    const limiter = new Limiter(2, 10);
    const g = gate();
    const runs = [limiter.run(g.task('small'), 1), limiter.run(g.task('huge'), 1000), limiter.run(g.task('x'), 1), limiter.run(g.task('y'), 1), limiter.run(g.task('z'), 1)];
    await tick();
    expect(g.started).to.deep.equal(['small']);
    await g.release('small');
    expect(g.started).to.deep.equal(['small', 'huge']);
    await g.release('huge');
    expect(g.started).to.deep.equal(['small', 'huge', 'x', 'y']);
    await g.release('x');
    expect(g.started).to.deep.equal(['small', 'huge', 'x', 'y', 'z']);
    for (const n of ['y', 'z']) await g.release(n);
    expect(await Promise.all(runs)).to.deep.equal(['small', 'huge', 'x', 'y', 'z']);
  });
});
