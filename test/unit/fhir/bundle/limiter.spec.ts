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
