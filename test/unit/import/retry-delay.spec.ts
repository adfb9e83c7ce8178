import { expect } from 'chai';
import { retryDelayMs } from '../../../server/import/import-worker.js';
import { MAX_RETRY_AFTER_MS, retryAfterMs, SourceError } from '../../../server/import/source-fetch.js';

describe('$import retries: Retry-After and the growing delay', () => {
  it('reads Retry-After as seconds or as an HTTP date, capped at an hour; absent or unreadable is undefined', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(retryAfterMs('120', now)).to.equal(120_000);
    expect(retryAfterMs(' 0 ', now)).to.equal(0);
    expect(retryAfterMs('Fri, 27 Nov 2026 12:05:00 GMT', now)).to.equal(300_000);
    expect(retryAfterMs('Fri, 27 Nov 2026 11:00:00 GMT', now)).to.equal(0); // in the past: at once
    expect(retryAfterMs('999999', now)).to.equal(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(null, now)).to.equal(undefined);
    expect(retryAfterMs('soon', now)).to.equal(undefined);
    expect(retryAfterMs('-5', now)).to.equal(undefined);
  });

  it('waits the base, then four times longer after each failure, at most 15 minutes; a Retry-After wins', () => {
    const network = new SourceError('busy', 'GET on http://files.example failed', true);
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, network, 2000))).to.deep.equal([2000, 8000, 32000, 128000]);
    expect(retryDelayMs(10, new Error('database gone'), 2000)).to.equal(15 * 60 * 1000);
    expect(retryDelayMs(2, network, 0)).to.equal(0);
    const busy = new SourceError('busy', 'GET on http://files.example answered 503', true, 90_000);
    expect(retryDelayMs(0, busy, 2000)).to.equal(90_000);
  });
});
