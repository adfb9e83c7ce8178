import { gone, notFound } from '../../errors/fhir-error.js';
import type { ResourceStore } from '../../store/resource-store.js';
import type { HistoryQuery, StoredVersion } from '../../store/types.js';
import { newId } from '../model/ids.js';
import type { Validator } from '../validation/index.js';
import { manyValidator, type ManyValidator } from '../validation/threads/many-validator.js';
import type { Indexer } from '../search/index/indexer.js';
import { CreateBatcher } from './create-batcher.js';
import type { Deleted, Existing, PatchFn, WriteHook, Written } from './types.js';
import { prepareCreate, PreparedCreateError, writtenCreate, type PreparedCreate } from './prepared-create.js';
import { TransactionWriter, type CreateOptions } from './writer.js';

/** Hears about writes: before one is validated, and after one commits (with the types written). */
export interface WriteObserver {
  beforeWrite(): Promise<void>;
  committed(types: Iterable<string>): void;
}

/**
 * Reads and writes of FHIR resources, free of HTTP: REST routes, Bundles and the
 * HL7 v2 interfaces all come through here. Each write runs in its own database
 * transaction; `transaction()` runs several writes in one.
 */
export class Repository {
  constructor(
    private readonly store: ResourceStore,
    private readonly validator: Validator,
    /** Turns each resource written into its search index rows (issue #3). */
    private readonly indexer: Indexer,
    /** The same validation as `validator`, for runs of a Bundle's creates (possibly on validation threads). */
    private readonly many: ManyValidator = manyValidator(validator),
  ) {
    this.creates = new CreateBatcher((batch) => this.storeCreates(batch));
  }

  /** Plain creates share multi-row statements under load (group commit, see CreateBatcher). */
  private readonly creates: CreateBatcher<PreparedCreate, Written>;

  /**
   * One batch of plain creates, all or nothing. Without hooks a single statement is
   * atomic by itself; with hooks (access checks and audit records of issue #6) the
   * statement and every hook share one transaction, as a single create's would.
   */
  private async storeCreates(batch: readonly PreparedCreate[]): Promise<Written[]> {
    if (batch.some((p) => p.hook !== undefined)) {
      return this.store.transaction((tx) => new TransactionWriter(tx, this.validator, this.indexer).createPrepared(batch));
    }
    const versions = await this.store.createMany(batch.map((p) => p.row));
    return batch.map((p, i) => {
      try {
        return writtenCreate(p, versions[i]);
      } catch (err) {
        throw new PreparedCreateError(i, err);
      }
    });
  }

  /**
   * Runs `fn` with a writer bound to one database transaction (all or nothing).
   * `hook` runs inside it after every write (the auth guard's access checks and
   * audit record: pass `ctx.state.access?.writeHook`).
   */
  async transaction<T>(fn: (writer: TransactionWriter) => Promise<T>, hook?: WriteHook): Promise<T> {
    await this.observer?.beforeWrite();
    let writer: TransactionWriter | undefined;
    const result = await this.store.transaction((tx) => {
      writer = new TransactionWriter(tx, this.validator, this.indexer, this.many).useHook(hook);
      return fn(writer);
    });
    if (writer !== undefined) this.observer?.committed(writer.writtenTypes);
    return result;
  }

  private observer: WriteObserver | undefined;

  /**
   * Lets a cache of stored resources (the conformance cache of issue #5: profiles, value
   * sets...) refresh itself before a write is validated and hear about committed writes.
   */
  observe(observer: WriteObserver): void {
    this.observer = observer;
  }

  /** The current version; 404 if it never existed, 410 if deleted. */
  async read(resourceType: string, id: string): Promise<StoredVersion> {
    const stored = await this.store.read(resourceType, id);
    if (stored === undefined) throw notFound(`${resourceType}/${id} is not known`);
    if (stored.deleted) throw gone(`${resourceType}/${id} was deleted (version ${stored.versionId})`);
    return stored;
  }

  async vread(resourceType: string, id: string, versionId: number): Promise<StoredVersion> {
    const stored = await this.store.vread(resourceType, id, versionId);
    if (stored === undefined) throw notFound(`${resourceType}/${id}/_history/${versionId} is not known`);
    if (stored.deleted) throw gone(`${resourceType}/${id} version ${versionId} is a deletion`);
    return stored;
  }

  /**
   * create; a plain create (no criteria) is validated and indexed here, then stored
   * together with the other plain creates in flight (CreateBatcher): current row,
   * history row and index rows by one statement, in the same transaction as the
   * hooks when there are any.
   */
  async create(resourceType: string, body: unknown, options: CreateOptions = {}, hook?: WriteHook): Promise<Written | Existing> {
    if (options.ifNoneExist !== undefined) return this.transaction((w) => w.create(resourceType, body, options), hook);
    await this.observer?.beforeWrite();
    const prepared = prepareCreate(this.validator, this.indexer, resourceType, body, options.id ?? newId());
    const result = await this.creates.create({ ...prepared, hook }).catch((err: unknown) => {
      throw err instanceof PreparedCreateError ? err.cause : err;
    });
    this.observer?.committed([resourceType]);
    return result;
  }

  update(resourceType: string, id: string, body: unknown, ifMatch?: number, hook?: WriteHook): Promise<Written> {
    return this.transaction((w) => w.update(resourceType, id, body, ifMatch), hook);
  }

  conditionalUpdate(resourceType: string, query: string, body: unknown, ifMatch?: number, hook?: WriteHook): Promise<Written> {
    return this.transaction((w) => w.conditionalUpdate(resourceType, query, body, ifMatch), hook);
  }

  patch(resourceType: string, id: string, apply: PatchFn, ifMatch?: number, hook?: WriteHook): Promise<Written> {
    return this.transaction((w) => w.patch(resourceType, id, apply, ifMatch), hook);
  }

  conditionalPatch(resourceType: string, query: string, apply: PatchFn, ifMatch?: number, hook?: WriteHook): Promise<Written> {
    return this.transaction(async (w) => w.patch(resourceType, await w.resolveSingle(resourceType, query, 'Conditional patch'), apply, ifMatch), hook);
  }

  delete(resourceType: string, id: string, ifMatch?: number, hook?: WriteHook): Promise<Deleted> {
    return this.transaction((w) => w.delete(resourceType, id, ifMatch), hook);
  }

  conditionalDelete(resourceType: string, query: string, hook?: WriteHook): Promise<Deleted> {
    return this.transaction((w) => w.conditionalDelete(resourceType, query), hook);
  }

  /**
   * History newest first (https://hl7.org/fhir/R4/http.html#history); `total` only
   * at instance level, where counting is cheap. An unknown instance is 404.
   */
  async history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number | undefined }> {
    let total: number | undefined;
    if (query.resourceType !== undefined && query.id !== undefined) {
      total = await this.store.countHistory(query.resourceType, query.id);
      if (total === 0) throw notFound(`${query.resourceType}/${query.id} is not known`);
    }
    return { versions: await this.store.history(query), total };
  }
}
