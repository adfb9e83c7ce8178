import { sqlState } from '../../store/db.js';
import { newId } from '../model/ids.js';
import type { PreparedCreate } from '../repository/prepared-create.js';
import type { TransactionWriter } from '../repository/writer.js';
import type { BundleLinks } from './bundle-links.js';
import { asFhirError } from './entry-error.js';
import { executeWrite, mapLinks, resourceOf, withConditionals, type EntryContext } from './entry-executor.js';
import { conditionalCriteria } from './entry-order.js';
import { criteriaKey } from '../repository/criteria-matcher.js';
import type { EntryRequest } from './entry-request.js';
import type { LinkWalker } from './link-walker.js';
import type { EntryAccess, EntryOutcome } from './types.js';

/** The group's stored creates failed (a taken id, a refusing hook, the database): the group cannot commit. */
class GroupWriteFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the batch group could not store its creates', { cause });
    this.name = 'GroupWriteFailed';
  }
}

/** Whether a failure came from PostgreSQL (directly or as the cause of a FhirError): the transaction may be unusable. */
function fromDatabase(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    if (sqlState(e) !== undefined) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/**
 * The creates of a group waiting to be stored together: one multi-row statement for
 * all of them instead of one each (an information Bundle is hundreds of conditional
 * creates, and each statement's round trip costs this process more than the row).
 */
class DeferredCreates {
  private readonly entries: EntryRequest[] = [];
  private readonly creates: PreparedCreate[] = [];
  /** Criteria keys of the waiting conditional creates. */
  readonly keys = new Set<string>();

  constructor(private readonly writer: TransactionWriter) {}

  add(e: EntryRequest, create: PreparedCreate, key: string | undefined): void {
    this.entries.push(e);
    this.creates.push(create);
    if (key !== undefined) this.keys.add(key);
  }

  /** Stores the waiting creates and records their outcomes in `done`; throws GroupWriteFailed. */
  async flush(done: Map<EntryRequest, EntryOutcome>): Promise<void> {
    if (this.creates.length === 0) return;
    const entries = this.entries.splice(0);
    const creates = this.creates.splice(0);
    this.keys.clear();
    try {
      const written = await this.writer.createPrepared(creates);
      written.forEach((w, i) => {
        const e = entries[i];
        if (e !== undefined) done.set(e, { kind: 'written', written: w });
      });
    } catch (err) {
      throw new GroupWriteFailed(err);
    }
  }
}

/** What a batch group runs with: the open transaction's writer and the Bundle's links (own conditionals). */
export interface GroupContext {
  readonly writer: TransactionWriter;
  readonly walker: LinkWalker;
  readonly links: BundleLinks;
  readonly access: EntryAccess | undefined;
}

/**
 * Runs a group of batch write entries (one phase's) in one open transaction, each as
 * if on its own (https://hl7.org/fhir/R4/http.html#brules). An entry that fails
 * before writing fails alone; anything that fails after a write, or on the database,
 * throws: the caller rolls the group back and runs its entries one by one.
 *
 * Cheaper than running the entries in turn: the conditional creates' criteria are
 * matched in one statement after their locks are taken, and the creates are stored
 * together at the end. The entries are therefore matched against the database as it
 * was when the group began, as if they ran at once, which the spec allows (entries
 * of a batch must not depend on each other). Two exceptions keep each entry's view
 * what running alone in order would give: an entry with the same criteria as a
 * waiting create, or with a conditional reference (which may name one), first has
 * the waiting creates stored.
 */
export async function runWriteGroup(ctx: GroupContext, group: readonly EntryRequest[]): Promise<Map<EntryRequest, EntryOutcome>> {
  const { writer, access } = ctx;
  const entry: EntryContext = { writer, walker: ctx.walker, links: ctx.links };
  // Every conditional entry's lock in one statement, in sorted order (as a transaction takes them).
  await writer.lockCriteria(conditionalCriteria(group));
  await writer.prematch(conditionalCriteria(group.filter((e) => e.method === 'POST')));
  const deferred = new DeferredCreates(writer);
  const done = new Map<EntryRequest, EntryOutcome>();
  let failures = 0;
  for (const e of group) {
    let before = writer.versionsWritten;
    try {
      access?.authorizeEntry(e.method, e.url);
      if (e.method !== 'POST') {
        done.set(e, await executeWrite(entry, e, newId()));
        continue;
      }
      const original = resourceOf(e);
      const first = mapLinks(entry, e, original);
      const key = e.ifNoneExist === undefined ? undefined : criteriaKey(e.resourceType, e.ifNoneExist);
      if (first.pending.length > 0 || (key !== undefined && deferred.keys.has(key))) {
        await deferred.flush(done);
        before = writer.versionsWritten;
      }
      const body = await withConditionals(entry, e, original, first);
      const found = await writer.existingOrPrepared(e.resourceType, body, { id: newId(), ...(e.ifNoneExist === undefined ? {} : { ifNoneExist: e.ifNoneExist }) });
      if (found.kind === 'existing') done.set(e, { kind: 'existing', stored: found.stored });
      else deferred.add(e, found.create, key);
    } catch (err) {
      // The group's transaction cannot stand: rolled back, its entries run again on their own.
      if (err instanceof GroupWriteFailed || writer.versionsWritten !== before || fromDatabase(err)) throw err;
      done.set(e, { kind: 'failed', error: asFhirError(err) });
      failures += 1;
    }
  }
  await deferred.flush(done);
  // A failure that hid a failed statement would make COMMIT a silent rollback.
  if (failures > 0) await writer.checkUsable();
  return done;
}
