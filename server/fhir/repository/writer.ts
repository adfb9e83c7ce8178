import { gone, invalid, notFound, preconditionFailed } from '../../errors/fhir-error.js';
import type { StoreTransaction } from '../../store/resource-store.js';
import { storableContent } from './storable.js';
import type { NextVersion } from '../../store/update-many.js';
import type { StoredVersion, VersionInfo, WriteMethod } from '../../store/types.js';
import { newId } from '../model/ids.js';
import type { Indexer } from '../search/index/indexer.js';
import { CriteriaMatcher, type Criteria } from './criteria-matcher.js';
import { IndexRows } from '../../store/search/rows.js';
import type { Validator } from '../validation/index.js';
import { isJsonObject } from '../model/json-object.js';
import { prepareForWrite, rejectErrors } from './prepare.js';
import { createOf, firstVersionRow, prepareCreate, prepareUnchecked, PreparedCreateError, written, writtenCreate, type PreparedCreate } from './prepared-create.js';
import { manyValidator, type ManyItem, type ManyValidator } from '../validation/threads/many-validator.js';
import type { Deleted, Existing, PatchFn, ResourceJson, WriteChange, WriteHook, WriteScope, Written } from './types.js';

/** The body's id, when it has one. */
const bodyIdOf = (body: unknown): string | undefined => (isJsonObject(body) && typeof body['id'] === 'string' ? body['id'] : undefined);

/** An update's body must carry the URL's id (https://hl7.org/fhir/R4/http.html#update): 400 otherwise. */
function checkUrlId(resourceType: string, id: string, body: unknown): void {
  if (isJsonObject(body) && body['id'] !== id) {
    throw invalid(`The id in the body (${String(body['id'])}) does not match the URL (${id})`, [`${resourceType}.id`]);
  }
}

/** A conditional update's body may leave the id out, else it must be the match's (http.html#cond-update): 400 otherwise. */
function checkMatchedId(body: unknown, match: string): void {
  const bodyId = bodyIdOf(body);
  if (bodyId !== undefined && bodyId !== match) throw invalid(`The id in the body (${bodyId}) is not the id of the matching resource (${match})`);
}

/** A PUT to a known resource, validated and indexed, waiting to be written with others (TransactionWriter.updatePrepared). */
export interface PreparedUpdate {
  readonly resource: ResourceJson;
  readonly next: Omit<NextVersion, 'versionId'>;
  /** The criteria of a conditional update, which must still match exactly its resource after the write. */
  readonly criteria: Criteria | undefined;
}

/** Thrown inside updatePrepared's savepoint when the run cannot be written together. */
const NOT_TOGETHER = new Error('the updates cannot be written together');

/** A create that found no match, validated and indexed, not yet stored (TransactionWriter.existingOrPrepared). */
export interface Prepared {
  readonly kind: 'prepared';
  readonly create: PreparedCreate;
}

export interface CreateOptions {
  /** Conditional create criteria (If-None-Exist / Bundle entry.request.ifNoneExist). */
  readonly ifNoneExist?: string;
  /** A server-chosen id decided beforehand (Bundles assign ids to urn:uuid entries first). */
  readonly id?: string;
}

/**
 * The FHIR write semantics (https://hl7.org/fhir/R4/http.html) inside one open
 * database transaction. The Repository runs each REST write in its own
 * transaction; a transaction Bundle runs all its entries through one writer.
 */
export class TransactionWriter {
  constructor(
    private readonly tx: StoreTransaction,
    private readonly validator: Validator,
    /** Search index rows of each version written (issue #3), in the same statement. */
    private readonly indexer: Indexer,
    /** The same validation for runs of creates (validatePrepared), possibly on a validation thread. */
    private readonly many: ManyValidator = manyValidator(validator),
  ) {
    this.criteria = new CriteriaMatcher(tx, indexer);
  }

  /** Conditional criteria: their locks and matches in this transaction. */
  private readonly criteria: CriteriaMatcher;

  private hook: WriteHook | undefined;

  /**
   * Runs `hook` inside this transaction after every version written (access
   * checks and the audit record of issue #6); a hook that throws rolls the
   * whole transaction back. Returns the writer, for chaining.
   */
  useHook(hook: WriteHook | undefined): this {
    this.hook = hook;
    return this;
  }

  /** Types written so far (the Repository tells the conformance cache after commit, issue #5). */
  readonly writtenTypes = new Set<string>();

  /** Versions written so far (a batch sharing one transaction between entries needs to know whether a failed one wrote). */
  get versionsWritten(): number {
    return this.written;
  }

  private written = 0;

  /** Throws when a failed statement left this transaction able only to roll back. */
  checkUsable(): Promise<void> {
    return this.tx.checkUsable();
  }

  private async after<T extends WriteChange>(change: T, hook = this.hook): Promise<T> {
    this.criteria.written();
    this.writtenTypes.add(change.resourceType);
    this.written += 1;
    if (hook !== undefined) await hook(change, this.scope);
    return change;
  }

  private readonly scope: WriteScope = {
    version: (resourceType, id, versionId) => this.tx.version(resourceType, id, versionId),
    enqueue: (topic, payloads) => this.tx.enqueue(topic, payloads),
  };

  /** Adds outbox rows in this transaction (store/outbox.ts): they exist if and only if it commits. */
  enqueue(topic: string, payloads: readonly unknown[]): Promise<void> {
    return this.tx.enqueue(topic, payloads);
  }

  /** The current version (deleted ones included), read inside the transaction. */
  current(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return this.tx.read(resourceType, id);
  }

  /** create, or conditional create (https://hl7.org/fhir/R4/http.html#ccreate). */
  async create(resourceType: string, body: unknown, options: CreateOptions = {}): Promise<Written | Existing> {
    const found = await this.existingOrPrepared(resourceType, body, options);
    if (found.kind === 'existing') return found;
    const [v] = await this.tx.insertMany([found.create.row]);
    return this.after(writtenCreate(found.create, v));
  }

  /**
   * create up to the write: the stored match of a conditional create, or the create
   * validated and indexed, for createPrepared to store (a batch group stores its
   * creates in one statement). Throws as create does (422, 412, 400).
   */
  async existingOrPrepared(resourceType: string, body: unknown, options: CreateOptions = {}): Promise<Existing | Prepared> {
    const resource = prepareForWrite(this.validator, resourceType, body, options.id ?? newId());
    if (options.ifNoneExist !== undefined) {
      const first = await this.criteria.matchOne({ resourceType, query: options.ifNoneExist }, 'Conditional create', { locked: true });
      if (first !== undefined) {
        const stored = this.criteria.knownVersion(resourceType, first) ?? (await this.tx.read(resourceType, first));
        if (stored !== undefined) return { kind: 'existing', stored };
      }
    }
    // Indexed only now: a conditional create that finds its match writes nothing.
    return { kind: 'prepared', create: createOf(this.indexer, resource) };
  }

  /**
   * Matches the criteria of several conditional creates or updates together, after
   * taking their locks, for their create / existingOrPrepared / resolveSingle calls
   * to use instead of a statement each (CriteriaMatcher.prematch).
   */
  prematch(items: readonly Criteria[]): Promise<void> {
    return this.criteria.prematch(items);
  }

  /** See the function prepareCreate. */
  prepareCreate(resourceType: string, body: unknown, id: string): PreparedCreate {
    return prepareCreate(this.validator, this.indexer, resourceType, body, id);
  }

  /** See the function prepareUnchecked. */
  prepareUnchecked(resourceType: string, body: unknown, id: string): PreparedCreate {
    return prepareUnchecked(this.validator, this.indexer, resourceType, body, id);
  }

  /**
   * Validates the creates of `batch` that prepareUnchecked left unchecked, all at
   * once; throws PreparedCreateError (422) naming the first invalid one.
   */
  async validatePrepared(batch: readonly PreparedCreate[]): Promise<void> {
    const at: number[] = [];
    const items: ManyItem[] = [];
    batch.forEach((p, i) => {
      if (p.unchecked === undefined) return;
      at.push(i);
      items.push(p.unchecked);
    });
    if (items.length === 0) return;
    const issues = await this.many.validateMany(items);
    issues.forEach((found, k) => {
      try {
        rejectErrors(found);
      } catch (err) {
        throw new PreparedCreateError(at[k] ?? k, err);
      }
    });
  }

  /**
   * Stores prepared creates as version 1, in order, then runs the write hook for each
   * in that order (the create's own hook if it has one, else the writer's). A taken id
   * or a refusing hook throws PreparedCreateError naming the create; the caller's
   * transaction then rolls back, as for a single create.
   */
  async createPrepared(batch: readonly PreparedCreate[]): Promise<Written[]> {
    const versions = await this.tx.insertMany(batch.map((p) => p.row));
    const out: Written[] = [];
    for (const [i, p] of batch.entries()) {
      try {
        out.push(await this.after(writtenCreate(p, versions[i]), p.hook ?? this.hook));
      } catch (err) {
        throw new PreparedCreateError(i, err);
      }
    }
    return out;
  }

  /** update, or update-as-create for an unknown id (https://hl7.org/fhir/R4/http.html#update). */
  async update(resourceType: string, id: string, body: unknown, ifMatch?: number): Promise<Written> {
    checkUrlId(resourceType, id, body);
    const resource = prepareForWrite(this.validator, resourceType, body, id);
    return this.putLocked(resource, ifMatch, 'PUT');
  }

  /** Conditional update (https://hl7.org/fhir/R4/http.html#cond-update). */
  async conditionalUpdate(resourceType: string, query: string, body: unknown, ifMatch?: number): Promise<Written> {
    const bodyId = bodyIdOf(body);
    const first = await this.criteria.matchOne({ resourceType, query }, 'Conditional update', { locked: true });
    if (first !== undefined) checkMatchedId(body, first);
    const resource = prepareForWrite(this.validator, resourceType, body, first ?? bodyId ?? newId());
    return this.putLocked(resource, ifMatch, first === undefined && bodyId === undefined ? 'POST' : 'PUT');
  }

  /** Writes the next version of a resource under its row lock; creates it when absent. */
  private async putLocked(resource: ResourceJson, ifMatch: number | undefined, method: WriteMethod): Promise<Written> {
    const { resourceType } = resource;
    const id = String(resource['id']);
    const content = storableContent(resource);
    const index = this.indexer.rows(resource);
    for (;;) {
      const current = await this.tx.lockCurrent(resourceType, id);
      if (current === undefined) {
        if (ifMatch !== undefined) throw preconditionFailed(`${resourceType}/${id} does not exist, so If-Match cannot hold`);
        const [v] = await this.tx.insertMany([firstVersionRow(resource, method, index)]);
        if (v !== undefined) return this.after(written(resource, v, true));
        continue; // created concurrently: lock the new row and write the next version
      }
      if (ifMatch !== undefined && ifMatch !== current.versionId) {
        throw preconditionFailed(`If-Match version ${ifMatch} is not the current version ${current.versionId}`);
      }
      const v = await this.tx.writeNext(resourceType, id, current.versionId + 1, content, method, index);
      return this.after(written(resource, v, current.deleted));
    }
  }

  /**
   * An update (`PUT Type/id`) or a conditional update bound to its match (`criteria`)
   * up to the write, for updatePrepared; throws as update / conditionalUpdate do (400, 422).
   */
  prepareUpdate(resourceType: string, id: string, body: unknown, criteria: Criteria | undefined): PreparedUpdate {
    if (criteria === undefined) checkUrlId(resourceType, id, body);
    else checkMatchedId(body, id);
    const resource = prepareForWrite(this.validator, resourceType, body, id);
    return { resource, next: { resourceType, id, content: storableContent(resource), method: 'PUT', index: this.indexer.rows(resource) }, criteria };
  }

  /**
   * Writes prepared updates as the next versions of their resources in one statement,
   * with the result of writing them one by one, or writes nothing and returns
   * undefined: when a resource does not exist (the update would create it), or when,
   * after the write, a conditional update's criteria no longer match exactly its
   * resource. Each resource is written once in a transaction (http.html#trules), so
   * what another update of the run adds to a criteria's matches is still there after
   * the run: matching exactly its own resource then means it matched exactly that
   * when its turn came. Then the write hooks run, in order.
   */
  async updatePrepared(batch: readonly PreparedUpdate[]): Promise<Written[] | undefined> {
    let stored: { readonly v: VersionInfo; readonly created: boolean }[];
    try {
      stored = await this.tx.undoable(async () => {
        const states = await this.tx.lockMany(batch.map((p) => p.next));
        // Re-created when the current version is a deletion, as putLocked says.
        const created: boolean[] = [];
        const next = batch.map((p): NextVersion => {
          const state = states.get(`${p.next.resourceType}/${p.next.id}`);
          if (state === undefined) throw NOT_TOGETHER;
          created.push(state.deleted);
          return { ...p.next, versionId: state.versionId + 1 };
        });
        const versions = (await this.tx.updateMany(next)).map((v, i) => {
          if (v === undefined) throw NOT_TOGETHER;
          return { v, created: created[i] === true };
        });
        const conditional = batch.flatMap((p) => (p.criteria === undefined ? [] : [{ id: p.next.id, criteria: p.criteria }]));
        const matches = await this.criteria.matchEach(conditional.map((c) => c.criteria));
        if (conditional.some((c, i) => matches[i]?.length !== 1 || matches[i][0] !== c.id)) throw NOT_TOGETHER;
        return versions;
      });
    } catch (err) {
      if (err === NOT_TOGETHER) return undefined;
      throw err;
    }
    const out: Written[] = [];
    for (const [i, p] of batch.entries()) {
      const s = stored[i];
      if (s === undefined) throw new Error('updatePrepared: a version written is missing');
      try {
        out.push(await this.after(written(p.resource, s.v, s.created)));
      } catch (err) {
        throw new PreparedCreateError(i, err);
      }
    }
    return out;
  }

  /** PATCH (https://hl7.org/fhir/R4/http.html#patch): the patched result is validated like any write. */
  async patch(resourceType: string, id: string, apply: PatchFn, ifMatch?: number): Promise<Written> {
    const current = await this.tx.lockCurrent(resourceType, id);
    if (current === undefined) throw notFound(`${resourceType}/${id} is not known`);
    if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
    if (ifMatch !== undefined && ifMatch !== current.versionId) {
      throw preconditionFailed(`If-Match version ${ifMatch} is not the current version ${current.versionId}`);
    }
    const stored = await this.tx.read(resourceType, id);
    if (stored?.json == null) throw notFound(`${resourceType}/${id} is not known`);
    const patched = apply(JSON.parse(stored.json) as Record<string, unknown>);
    if (patched['id'] !== id || patched['resourceType'] !== resourceType) {
      throw invalid('A patch may not change the resource type or id');
    }
    const resource = prepareForWrite(this.validator, resourceType, patched, id);
    const v = await this.tx.writeNext(resourceType, id, current.versionId + 1, storableContent(resource), 'PATCH', this.indexer.rows(resource));
    return this.after(written(resource, v, false));
  }

  /**
   * Takes the criteria locks of several conditional interactions up front, in one fixed
   * (sorted) order and one statement (CriteriaMatcher.lock).
   */
  lockCriteria(items: readonly Criteria[]): Promise<void> {
    return this.criteria.lock(items);
  }

  /** The single id matching conditional criteria (404 none, 412 several). */
  async resolveSingle(resourceType: string, query: string, what: string): Promise<string> {
    const first = await this.criteria.matchOne({ resourceType, query }, what, { locked: false });
    if (first === undefined) throw notFound(`${what}: no ${resourceType} matches the criteria`);
    return first;
  }

  /** Logical delete (https://hl7.org/fhir/R4/http.html#delete); deleting a deleted or unknown resource does nothing. */
  async delete(resourceType: string, id: string, ifMatch?: number): Promise<Deleted> {
    const current = await this.tx.lockCurrent(resourceType, id);
    if (current === undefined || current.deleted) {
      if (ifMatch !== undefined && ifMatch !== current?.versionId) throw preconditionFailed('If-Match does not hold');
      return { kind: 'deleted', versionId: undefined };
    }
    if (ifMatch !== undefined && ifMatch !== current.versionId) {
      throw preconditionFailed(`If-Match version ${ifMatch} is not the current version ${current.versionId}`);
    }
    // A deleted resource leaves current search: its index rows go, none come.
    const v = await this.tx.writeNext(resourceType, id, current.versionId + 1, null, 'DELETE', new IndexRows());
    return this.after({ kind: 'deleted', versionId: v.versionId, resourceType, id });
  }

  /** Conditional delete: no match does nothing, one match is deleted, several give 412. */
  async conditionalDelete(resourceType: string, query: string): Promise<Deleted> {
    const first = await this.criteria.matchOne({ resourceType, query }, 'Conditional delete', { locked: true });
    if (first === undefined) return { kind: 'deleted', versionId: undefined };
    return this.delete(resourceType, first);
  }
}
