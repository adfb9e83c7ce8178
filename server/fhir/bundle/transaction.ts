import { conflict, gone, invalid, notFound } from '../../errors/fhir-error.js';
import { newId } from '../model/ids.js';
import type { Repository } from '../repository/repository.js';
import type { PreparedCreate } from '../repository/prepared-create.js';
import type { TransactionWriter } from '../repository/writer.js';
import type { SearchService } from '../search/search-service.js';
import { BundleLinks, type ConditionalReference } from './bundle-links.js';
import { MAX_PER_STATEMENT } from '../../store/insert-many.js';
import { asFhirError, namedEntryError, namedRunError, namedSync } from './entry-error.js';
import { executeWrite, mapLinks, matchOrNone, outcomeIdentity, withConditionals, type EntryContext } from './entry-executor.js';
import { conditionalCriteria, PHASES, phaseEntries } from './entry-order.js';
import { criteriaKey } from '../repository/criteria-matcher.js';
import type { EntryRequest } from './entry-request.js';
import type { LinkWalker } from './link-walker.js';
import { UpdateRun } from './update-run.js';
import { checkSearchEntry, readEntry, readOutcome } from './read-entry.js';
import type { BeforeCommit, EntryAccess, EntryOutcome } from './types.js';

export interface BundleDeps {
  readonly repository: Repository;
  /** The search engine, for GET [type]?[criteria] entries. */
  readonly search: SearchService | undefined;
  readonly walker: LinkWalker;
  /** Public FHIR base without trailing slash. */
  readonly serverBase: string;
}

type Slots = (EntryOutcome | undefined)[];

const failed = (err: unknown): EntryOutcome => ({ kind: 'failed', error: asFhirError(err) });

async function guarded(e: EntryRequest, slots: Slots, fn: () => Promise<EntryOutcome | undefined>): Promise<void> {
  try {
    slots[e.index] = await fn();
  } catch (err) {
    throw namedEntryError(err, e.index, e.label);
  }
}

/**
 * What binding an entry decided: the id its write must produce, if known, whether a
 * conditional create will create, and whether a conditional update found its resource.
 */
interface Bound {
  readonly target: string | undefined;
  readonly creates: boolean;
  readonly matched?: boolean;
}

/** Binds one entry's full URL (see bindTargets). */
async function bindTarget(ctx: EntryContext, e: EntryRequest, id: string, byCriteria: Map<string, string>): Promise<Bound> {
  if (e.method === 'POST') {
    let target = id;
    let created = true;
    if (e.ifNoneExist !== undefined) {
      // Two entries with the same criteria are one resource: the second finds the first.
      const key = criteriaKey(e.resourceType, e.ifNoneExist);
      const match = byCriteria.get(key) ?? (await matchOrNone(ctx.writer, e.resourceType, e.ifNoneExist, 'Conditional create'));
      created = match === undefined;
      target = match ?? id;
      byCriteria.set(key, target);
    }
    ctx.links.bind(e.fullUrl, { resourceType: e.resourceType, id: target, ...(created ? { versionId: 1 } : {}) });
    return { target, creates: created && e.ifNoneExist !== undefined };
  }
  if (e.id !== undefined) {
    ctx.links.bind(e.fullUrl, { resourceType: e.resourceType, id: e.id });
    return { target: undefined, creates: false };
  }
  if (e.method !== 'PUT' || e.query === undefined) return { target: undefined, creates: false };
  const bodyId = typeof e.resource?.['id'] === 'string' ? e.resource['id'] : undefined;
  const match = await matchOrNone(ctx.writer, e.resourceType, e.query, 'Conditional update');
  const target = match ?? bodyId ?? id;
  ctx.links.bind(e.fullUrl, { resourceType: e.resourceType, id: target });
  return { target, creates: false, matched: match !== undefined };
}

/**
 * Binds every POST / PUT / PATCH entry's full URL to the id it will have before
 * anything is written, so links between entries (circular ones included) are
 * rewritten in one pass: a plain POST gets the id chosen for it, a conditional create
 * or update the id of its match, when there is one (http.html#trules). The conditional creates
 * and updates are matched together (their locks are held since the start).
 * Returns the ids, and the conditional creates that found no match: those are then
 * stored like plain creates, with the id chosen here, since the match was made under
 * the lock and nothing this transaction writes before them can change it (entries
 * with equal criteria are one resource, above).
 */
async function bindTargets(
  ctx: EntryContext,
  entries: readonly EntryRequest[],
  planned: ReadonlyMap<number, string>,
): Promise<{ chosen: Map<number, string>; creates: Set<number>; matched: Set<number> }> {
  const chosen = new Map<number, string>();
  const creates = new Set<number>();
  const matched = new Set<number>();
  const byCriteria = new Map<string, string>();
  await ctx.writer.prematch(conditionalCriteria(entries));
  for (const e of entries) {
    try {
      const bound = await bindTarget(ctx, e, planned.get(e.index) ?? newId(), byCriteria);
      if (bound.target !== undefined) chosen.set(e.index, bound.target);
      if (bound.creates) creates.add(e.index);
      if (bound.matched === true) matched.add(e.index);
    } catch (err) {
      throw namedEntryError(err, e.index, e.label);
    }
  }
  return { chosen, creates, matched };
}

/** A resource may appear in a transaction only once (http.html#trules). */
function claim(claimed: Map<string, number>, e: EntryRequest, o: EntryOutcome | undefined): void {
  const key = o === undefined ? undefined : outcomeIdentity(o);
  if (key === undefined) return;
  const other = claimed.get(key);
  if (other !== undefined && other !== e.index) {
    throw invalid(`Bundle.entry[${other}] also acts on ${key}: a resource can only appear in a transaction once (http.html#trules)`);
  }
  claimed.set(key, e.index);
}

/** A written id must be the one links were rewritten to; anything else would leave dangling references. */
function checkBound(e: EntryRequest, o: EntryOutcome, expected: string | undefined): void {
  const actual = o.kind === 'written' ? o.written.id : o.kind === 'existing' ? o.stored.id : undefined;
  if (expected !== undefined && actual !== undefined && actual !== expected) {
    throw conflict(`${e.resourceType} matching the criteria changed while the transaction ran; retry`);
  }
}

/**
 * GET / HEAD inside the transaction: a read sees the transaction's writes and its failure
 * rolls everything back. Searches run on the pool, so they run after the commit (their
 * results include this transaction's writes), but their parameters are checked before
 * it; older versions are read then too.
 */
async function readInTransaction(deps: BundleDeps, w: TransactionWriter, e: EntryRequest, access: EntryAccess | undefined): Promise<EntryOutcome | undefined> {
  if (e.id === undefined) {
    await checkSearchEntry(deps, e); // a search that cannot run fails the transaction before it commits
    return undefined;
  }
  const current = await w.current(e.resourceType, e.id);
  if (current === undefined) throw notFound(`${e.resourceType}/${e.id} is not known`);
  if (e.versionId === undefined || e.versionId === current.versionId) {
    if (current.deleted) throw gone(`${e.resourceType}/${e.id} was deleted`);
    return readOutcome(e, current, access);
  }
  if (e.versionId > current.versionId) throw notFound(`${e.resourceType}/${e.id}/_history/${e.versionId} is not known`);
  return undefined; // an older version: history rows never change, read it after the commit
}

interface Waiting {
  readonly e: EntryRequest;
  readonly prepared: PreparedCreate;
}

/**
 * A run of plain creates (POST without ifNoneExist, or a conditional create whose
 * match found nothing, see bindTargets) waiting to be stored together
 * (TransactionWriter.createPrepared): Synthea-style Bundles are almost all plain
 * creates, and one multi-row statement per few hundred of them is most of what makes
 * a bulk load fast. Every entry still sees the writes of the entries before it, as if
 * all ran one by one: a full run is validated (on a validation thread when there is
 * one, VALIDATION_THREADS) and stored while the next one is linked and indexed (no
 * other statement is sent on the connection meanwhile: one at a time, as node-postgres
 * 9 requires), and everything is stored before an entry that is not a plain create, or
 * one whose conditional reference could match a create not yet stored. No create is
 * stored before it passes validation, and a failure reported is always that of the
 * first failing entry.
 */
class PlainCreates {
  private readonly waiting: Waiting[] = [];
  private readonly waitingTypes = new Set<string>();
  /** The run being stored, and the types it holds; at most one at a time. */
  private storing: Promise<void> | undefined;
  private readonly storingTypes = new Set<string>();

  constructor(
    private readonly ctx: EntryContext,
    private readonly slots: Slots,
    private readonly settle: (e: EntryRequest, o: EntryOutcome) => void,
  ) {}

  /** True for an entry this run can take: a plain create, or a conditional create bound to create (`creates`). */
  static accepts(e: EntryRequest, creates: ReadonlySet<number>): boolean {
    return e.method === 'POST' && (e.ifNoneExist === undefined || creates.has(e.index)) && e.resource !== undefined;
  }

  /**
   * Whether resolving these conditional references could find a create not yet
   * stored: one targets a type that is waiting or being stored, or chains through
   * other types. Synthea's `Practitioner?identifier=…` in a Bundle of clinical data does not.
   */
  private couldMatchUnstored(pending: readonly ConditionalReference[]): boolean {
    return pending.some((c) => {
      const chained = [...new URLSearchParams(c.query).keys()].some((k) => k.includes('.') || k.startsWith('_has'));
      return chained || this.waitingTypes.has(c.resourceType) || this.storingTypes.has(c.resourceType);
    });
  }

  async add(e: EntryRequest, id: string): Promise<void> {
    const resource = e.resource;
    if (resource === undefined) throw new Error(`entry ${e.index}: POST without a resource passed parsing`);
    try {
      const first = namedSync(e, () => mapLinks(this.ctx, e, resource));
      if (this.couldMatchUnstored(first.pending)) await this.flush();
      // The connection runs one statement at a time: resolving waits for the run being stored.
      else if (first.pending.length > 0) await this.stored();
      await guarded(e, this.slots, async () => {
        const body = await withConditionals(this.ctx, e, resource, first);
        this.waiting.push({ e, prepared: this.ctx.writer.prepareUnchecked(e.resourceType, body, id) });
        this.waitingTypes.add(e.resourceType);
        return undefined;
      });
    } catch (err) {
      await this.earlierFailures();
      throw err;
    }
    // One statement's worth at a time, stored while the next is prepared: holding a
    // whole 2,000-entry Bundle's prepared rows (and four such Bundles at once) pushed
    // the server past its memory budget.
    if (this.waiting.length >= MAX_PER_STATEMENT) {
      await this.stored();
      this.storeWaiting();
    }
  }

  /**
   * Before an entry's failure is reported: the failure of an entry before it, if any.
   * The waiting creates are not validated yet (that happens as their run is stored),
   * and the transaction must report the first entry that fails, as one by one.
   */
  private async earlierFailures(): Promise<void> {
    await this.stored();
    const run = this.waiting.splice(0);
    try {
      await this.ctx.writer.validatePrepared(run.map((r) => r.prepared));
    } catch (err) {
      throw namedRunError(run, err);
    }
  }

  /** Stores everything waiting and waits until it is stored. */
  async flush(): Promise<void> {
    await this.stored();
    this.storeWaiting();
    await this.stored();
  }

  /** Waits for the run being stored, if any; throws its failure. */
  private async stored(): Promise<void> {
    const storing = this.storing;
    if (storing === undefined) return;
    try {
      await storing;
    } finally {
      this.storing = undefined;
      this.storingTypes.clear();
    }
  }

  /** Starts storing the waiting run (none may be in flight). */
  private storeWaiting(): void {
    const run = this.waiting.splice(0);
    for (const t of this.waitingTypes) this.storingTypes.add(t);
    this.waitingTypes.clear();
    if (run.length === 0) return;
    const storing = this.store(run);
    // Awaited by the next stored(); a failure while the caller is busy elsewhere
    // (another entry failing first) is not an unhandled rejection: the transaction
    // rolls back either way.
    storing.catch(() => undefined);
    this.storing = storing;
  }

  /** Validates the run (on a validation thread when one takes it), then stores it. */
  private async store(run: readonly Waiting[]): Promise<void> {
    let written;
    try {
      const prepared = run.map((r) => r.prepared);
      await this.ctx.writer.validatePrepared(prepared);
      written = await this.ctx.writer.createPrepared(prepared);
    } catch (err) {
      throw namedRunError(run, err);
    }
    run.forEach(({ e }, i) => {
      const w = written[i];
      if (w !== undefined) namedSync(e, () => this.settle(e, { kind: 'written', written: w }));
    });
  }
}

async function attempt(deps: BundleDeps, w: TransactionWriter, entries: readonly EntryRequest[], planned: ReadonlyMap<number, string>, access: EntryAccess | undefined): Promise<Slots> {
  const ctx: EntryContext = { writer: w, walker: deps.walker, links: new BundleLinks(deps.serverBase, entries.map((e) => e.fullUrl)) };
  const slots: Slots = entries.map(() => undefined);
  const claimed = new Map<string, number>();
  await w.lockCriteria(conditionalCriteria(entries));
  const [deletes = [], posts = [], puts = [], reads = []] = PHASES.map((p) => phaseEntries(entries, p));
  for (const e of deletes) {
    await guarded(e, slots, async () => {
      const o = await executeWrite(ctx, e, undefined);
      claim(claimed, e, o);
      return o;
    });
  }
  const { chosen, creates, matched } = await bindTargets(ctx, [...posts, ...puts], planned);
  const settle = (e: EntryRequest, o: EntryOutcome): EntryOutcome => {
    checkBound(e, o, chosen.get(e.index));
    claim(claimed, e, o);
    slots[e.index] = o;
    return o;
  };
  const plain = new PlainCreates(ctx, slots, settle);
  const alone = (e: EntryRequest, id: string | undefined): Promise<void> => guarded(e, slots, async () => settle(e, await executeWrite(ctx, e, id)));
  const updates = new UpdateRun(ctx, settle, alone);
  for (const e of [...posts, ...puts]) {
    const id = chosen.get(e.index) ?? e.id;
    if (id !== undefined && PlainCreates.accepts(e, creates)) {
      await plain.add(e, id);
      continue;
    }
    await plain.flush();
    if (id !== undefined && UpdateRun.accepts(e, matched)) {
      await updates.add(e, id);
      continue;
    }
    await updates.flush();
    await alone(e, chosen.get(e.index));
  }
  await plain.flush();
  await updates.flush();
  for (const e of reads) await guarded(e, slots, () => readInTransaction(deps, w, e, access));
  return slots;
}

/**
 * A transaction Bundle (https://hl7.org/fhir/R4/http.html#transaction): every entry
 * through one TransactionWriter, in one database transaction, all or nothing. The
 * conditional criteria are locked up front in sorted order (no lock-order deadlocks
 * between Bundles); a deadlock or serialization failure that still happens is retried
 * by the store with the whole Bundle. Throws the failing entry's error, named.
 */
export async function runTransaction(deps: BundleDeps, entries: readonly EntryRequest[], access?: EntryAccess, beforeCommit?: BeforeCommit): Promise<EntryOutcome[]> {
  for (const e of entries) {
    try {
      access?.authorizeEntry(e.method, e.url);
    } catch (err) {
      throw namedEntryError(err, e.index, e.label);
    }
  }
  const planned = new Map<number, string>();
  for (const e of entries) if (e.method === 'POST' || (e.method === 'PUT' && e.id === undefined)) planned.set(e.index, newId());
  const slots = await deps.repository.transaction(async (w) => {
    const done = await attempt(deps, w, entries, planned, access);
    await beforeCommit?.(new Map(entries.map((e) => [e.index, done[e.index]])), (topic, payloads) => w.enqueue(topic, payloads));
    return done;
  }, access?.writeHook);
  const out: EntryOutcome[] = [];
  for (const e of entries) {
    // Searches, and older versions (checked to exist inside the transaction), are read now.
    out.push(slots[e.index] ?? (await readEntry(deps, e, access).catch((err: unknown) => failed(err))));
  }
  return out;
}
