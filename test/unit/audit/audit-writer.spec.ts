import { expect } from 'chai';
import pino from 'pino';
import type { AuditRecord } from '../../../server/audit/audit-record.js';
import { AuditWriter } from '../../../server/audit/audit-writer.js';
import type { Pool } from '../../../server/store/db.js';

/**
 * The group commit of read audit records, against a fake pool whose INSERTs
 * complete when the test says so: batching, the cap, when callers are told,
 * and what a failed batch does. test/integration/auth/audit-batching.spec.ts
 * runs it on PostgreSQL through HTTP.
 */
interface Statement {
  readonly requestIds: string[];
  readonly client: number;
  commit(): void;
  fail(err: Error): void;
}

class FakePool {
  readonly statements: Statement[] = [];
  readonly released: { client: number; destroyed: boolean }[] = [];
  readonly settings: string[] = [];
  connects = 0;
  /** Complete every INSERT at once instead of waiting for commit() / fail(). */
  auto = false;

  asPool(): Pool {
    return this as unknown as Pool;
  }

  connect(): Promise<unknown> {
    this.connects += 1;
    const id = this.connects;
    return Promise.resolve({
      on: () => undefined,
      release: (destroyed?: boolean) => this.released.push({ client: id, destroyed: destroyed === true }),
      query: (q: string | { values: unknown[] }) => this.query(q, id),
    });
  }

  query(q: string | { values: unknown[] }, client = 0): Promise<unknown> {
    if (typeof q === 'string') {
      this.settings.push(q);
      return Promise.resolve({ rows: [] });
    }
    const payloads = JSON.parse(String(q.values[1])) as { requestId: string }[];
    return new Promise((resolve, reject) => {
      const s: Statement = { requestIds: payloads.map((p) => p.requestId), client, commit: () => resolve({ rows: [] }), fail: reject };
      this.statements.push(s);
      if (this.auto) s.commit();
    });
  }

  /** Waits until `n` INSERTs have been sent. */
  async sent(n: number): Promise<void> {
    for (let i = 0; i < 200 && this.statements.length < n; i += 1) await new Promise((r) => setImmediate(r));
    expect(this.statements.length, 'INSERTs sent').to.equal(n);
  }
}

function rec(requestId: string): AuditRecord {
  return { kind: 'rest', recorded: '2026-11-27T10:00:00.000Z', action: 'R', outcome: '0', interaction: 'read', agent: { kind: 'system', clientId: 'c' }, resources: [], patients: [], requestId };
}

const silent = pino({ level: 'silent' });

function settled(p: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const s: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (s.state = 'resolved'),
    (error: unknown) => {
      s.state = 'rejected';
      s.error = error;
    },
  );
  return s;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('audit/audit-writer (group commit of read audit records)', () => {
  it('writes records handed over together in one INSERT and tells each caller only after its commit', async () => {
    const pool = new FakePool();
    const w = new AuditWriter(pool.asPool(), silent);
    const calls = Array.from({ length: 50 }, (_, i) => settled(w.record(rec(`r${i}`))));
    await pool.sent(1);
    expect(pool.statements[0]?.requestIds).to.deep.equal(Array.from({ length: 50 }, (_, i) => `r${i}`));
    await tick();
    expect(calls.every((c) => c.state === 'pending'), 'nobody is told before the commit').to.equal(true);
    pool.statements[0]?.commit();
    await tick();
    expect(calls.every((c) => c.state === 'resolved')).to.equal(true);
    // The dedicated connection does not wait for the WAL flush (process-crash safe; see AUDIT_READ_SYNC_COMMIT).
    expect(pool.settings).to.deep.equal(['SET synchronous_commit = off']);
  });

  it('keeps one batch in flight and puts everything arriving meanwhile into the next one', async () => {
    const pool = new FakePool();
    const w = new AuditWriter(pool.asPool(), silent);
    const first = settled(w.record(rec('a')));
    await pool.sent(1);
    const later = ['b', 'c', 'd'].map((id) => settled(w.record(rec(id))));
    await tick();
    await tick();
    expect(pool.statements.length, 'no second INSERT while the first is in flight').to.equal(1);
    pool.statements[0]?.commit();
    await pool.sent(2);
    expect(pool.statements[1]?.requestIds).to.deep.equal(['b', 'c', 'd']);
    expect(first.state).to.equal('resolved');
    expect(later.map((c) => c.state)).to.deep.equal(['pending', 'pending', 'pending']);
    pool.statements[1]?.commit();
    await tick();
    expect(later.map((c) => c.state)).to.deep.equal(['resolved', 'resolved', 'resolved']);
    expect(pool.connects, 'one dedicated connection, reused').to.equal(1);
  });

  it('caps a batch at maxBatch records', async () => {
    const pool = new FakePool();
    pool.auto = true;
    const w = new AuditWriter(pool.asPool(), silent, { maxBatch: 500 });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => w.record(rec(`r${i}`))));
    expect(pool.statements.map((s) => s.requestIds.length)).to.deep.equal([500, 500, 200]);
    const written = pool.statements.flatMap((s) => s.requestIds);
    expect(new Set(written).size).to.equal(1200);
    expect(written.length).to.equal(1200);
  });

  it('rejects every caller of a failed batch, drops its connection, and writes the next batch on a new one', async () => {
    const pool = new FakePool();
    const w = new AuditWriter(pool.asPool(), silent);
    const failed = ['a', 'b', 'c'].map((id) => settled(w.record(rec(id))));
    await pool.sent(1);
    const next = settled(w.record(rec('d')));
    const boom = new Error('connection terminated');
    pool.statements[0]?.fail(boom);
    await pool.sent(2);
    expect(failed.map((c) => c.state)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(failed.every((c) => c.error === boom)).to.equal(true);
    expect(pool.released).to.deep.equal([{ client: 1, destroyed: true }]);
    expect(pool.statements[1]?.requestIds).to.deep.equal(['d']);
    expect(pool.statements[1]?.client).to.equal(2);
    pool.statements[1]?.commit();
    await tick();
    expect(next.state).to.equal('resolved');
  });

  it('rejects the callers when no connection can be had, and recovers afterwards', async () => {
    const pool = new FakePool();
    pool.auto = true;
    const connect = pool.connect.bind(pool);
    let down = true;
    pool.connect = () => (down ? Promise.reject(new Error('too many clients')) : connect());
    const w = new AuditWriter(pool.asPool(), silent);
    const results = await Promise.allSettled([w.record(rec('a')), w.record(rec('b'))]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    down = false;
    await w.record(rec('c'));
    expect(pool.statements.map((s) => s.requestIds)).to.deep.equal([['c']]);
  });

  it('with syncCommit writes through the pool (synchronous commit), without a dedicated connection', async () => {
    const pool = new FakePool();
    pool.auto = true;
    const w = new AuditWriter(pool.asPool(), silent, { syncCommit: true });
    await Promise.all([w.record(rec('a')), w.record(rec('b'))]);
    expect(pool.connects).to.equal(0);
    expect(pool.settings).to.deep.equal([]);
    expect(pool.statements.map((s) => s.requestIds)).to.deep.equal([['a', 'b']]);
  });

  it('drain waits for records handed over, then returns the connection', async () => {
    const pool = new FakePool();
    const w = new AuditWriter(pool.asPool(), silent);
    const a = settled(w.record(rec('a')));
    await pool.sent(1);
    const b = settled(w.record(rec('b')));
    let drained = false;
    const d = w.drain().then(() => (drained = true));
    pool.statements[0]?.commit();
    await pool.sent(2);
    expect(drained).to.equal(false);
    pool.statements[1]?.commit();
    await d;
    expect([a.state, b.state]).to.deep.equal(['resolved', 'resolved']);
    expect(pool.released).to.deep.equal([{ client: 1, destroyed: false }]);
  });
});
