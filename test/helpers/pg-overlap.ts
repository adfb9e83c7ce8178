import pg from 'pg';

/**
 * Counts queries started on a pg client while an earlier one of the same client has
 * not finished. pg 8 queues them (with a deprecation warning); pg 9 removes the queue
 * (https://github.com/brianc/node-postgres, "already executing a query"), so the
 * server must never do it. Patches pg.Client for the caller's duration: call stop().
 */
export function watchOverlappingQueries(): { overlapping: () => number; stop: () => void } {
  const original = Reflect.get(pg.Client.prototype, 'query') as (...args: unknown[]) => unknown;
  const running = new WeakMap<object, number>();
  let overlapping = 0;
  const watched = function (this: object, ...args: unknown[]): unknown {
    const now = running.get(this) ?? 0;
    if (now > 0) overlapping += 1;
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      running.set(this, now + 1);
      const done = (): void => {
        running.set(this, (running.get(this) ?? 1) - 1);
      };
      result.then(done, done);
    }
    return result;
  };
  Reflect.set(pg.Client.prototype, 'query', watched);
  return {
    overlapping: () => overlapping,
    stop: () => {
      Reflect.set(pg.Client.prototype, 'query', original);
    },
  };
}
