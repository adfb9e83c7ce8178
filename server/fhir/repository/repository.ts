import { FhirError, gone, invalid, notFound, preconditionFailed } from '../../errors/fhir-error.js';
import { contentForStorage, type ResourceStore, type StoreTransaction } from '../../store/resource-store.js';
import type { HistoryQuery, MatchCriteria, StoredVersion, VersionInfo, WriteMethod } from '../../store/types.js';
import { newId } from '../model/ids.js';
import { parseConditionalCriteria } from '../search/criteria.js';
import type { Validator } from '../validation/index.js';
import { isJsonObject, prepareForWrite, stamped } from './prepare.js';
import type { Deleted, Existing, PatchFn, ResourceJson, Written } from './types.js';

function written(resource: ResourceJson, v: VersionInfo, created: boolean): Written {
  return {
    kind: 'written',
    resource: stamped(resource, v.versionId, v.lastUpdated),
    resourceType: resource.resourceType,
    id: String(resource['id']),
    versionId: v.versionId,
    lastUpdated: v.lastUpdated,
    created,
  };
}

const multipleMatches = (what: string): FhirError =>
  new FhirError('multipleMatches', `${what}: the criteria match more than one resource`);

/** Lock key for a conditional interaction, so that racing ones on equal criteria serialise. */
const criteriaLockKey = (resourceType: string, query: string): string =>
  `cond:${resourceType}?${[...new URLSearchParams(query)].map(([k, v]) => `${k}=${v}`).sort().join('&')}`;

/**
 * The FHIR semantics of reads and writes (https://hl7.org/fhir/R4/http.html),
 * free of HTTP: REST routes, Bundles and the HL7 v2 interfaces all come through here.
 * Every write is one database transaction.
 */
export class Repository {
  constructor(
    private readonly store: ResourceStore,
    private readonly validator: Validator,
  ) {}

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

  /** create, or conditional create when `ifNoneExist` holds criteria (https://hl7.org/fhir/R4/http.html#ccreate). */
  async create(resourceType: string, body: unknown, ifNoneExist?: string): Promise<Written | Existing> {
    const resource = prepareForWrite(this.validator, resourceType, body, newId());
    const content = contentForStorage(resource);
    if (ifNoneExist === undefined) {
      return written(resource, await this.store.createNew(resourceType, String(resource['id']), content), true);
    }
    const criteria = parseConditionalCriteria(ifNoneExist);
    return this.store.transaction(async (tx) => {
      await tx.lock(criteriaLockKey(resourceType, ifNoneExist));
      const [first, second] = await tx.match(resourceType, criteria, 2);
      if (second !== undefined) throw multipleMatches('Conditional create');
      if (first !== undefined) {
        const stored = await tx.read(resourceType, first);
        if (stored !== undefined) return { kind: 'existing', stored };
      }
      const v = await tx.insertFirst(resourceType, String(resource['id']), content, 'POST');
      if (v === undefined) throw new Error('id collision on create');
      return written(resource, v, true);
    });
  }

  /** update, or update-as-create for an unknown id (https://hl7.org/fhir/R4/http.html#update). */
  async update(resourceType: string, id: string, body: unknown, ifMatch?: number): Promise<Written> {
    if (isJsonObject(body) && body['id'] !== id) {
      throw invalid(`The id in the body (${String(body['id'])}) does not match the URL (${id})`, [`${resourceType}.id`]);
    }
    const resource = prepareForWrite(this.validator, resourceType, body, id);
    return this.store.transaction((tx) => this.putLocked(tx, resource, ifMatch, 'PUT'));
  }

  /** Conditional update (https://hl7.org/fhir/R4/http.html#cond-update). */
  async conditionalUpdate(resourceType: string, query: string, body: unknown, ifMatch?: number): Promise<Written> {
    const criteria = parseConditionalCriteria(query);
    const bodyId = isJsonObject(body) && typeof body['id'] === 'string' ? body['id'] : undefined;
    return this.store.transaction(async (tx) => {
      await tx.lock(criteriaLockKey(resourceType, query));
      const [first, second] = await tx.match(resourceType, criteria, 2);
      if (second !== undefined) throw multipleMatches('Conditional update');
      if (first !== undefined && bodyId !== undefined && bodyId !== first) {
        throw invalid(`The id in the body (${bodyId}) is not the id of the matching resource (${first})`);
      }
      const resource = prepareForWrite(this.validator, resourceType, body, first ?? bodyId ?? newId());
      return this.putLocked(tx, resource, ifMatch, first === undefined && bodyId === undefined ? 'POST' : 'PUT');
    });
  }

  /** Writes the next version of a resource under its row lock; creates it when absent. */
  private async putLocked(tx: StoreTransaction, resource: ResourceJson, ifMatch: number | undefined, method: WriteMethod): Promise<Written> {
    const { resourceType } = resource;
    const id = String(resource['id']);
    const content = contentForStorage(resource);
    for (;;) {
      const current = await tx.lockCurrent(resourceType, id);
      if (current === undefined) {
        if (ifMatch !== undefined) throw preconditionFailed(`${resourceType}/${id} does not exist, so If-Match cannot hold`);
        const v = await tx.insertFirst(resourceType, id, content, method);
        if (v !== undefined) return written(resource, v, true);
        continue; // created concurrently: lock the new row and write the next version
      }
      if (ifMatch !== undefined && ifMatch !== current.versionId) {
        throw preconditionFailed(`If-Match version ${ifMatch} is not the current version ${current.versionId}`);
      }
      const v = await tx.writeNext(resourceType, id, current.versionId + 1, content, method);
      return written(resource, v, current.deleted);
    }
  }

  /** PATCH (https://hl7.org/fhir/R4/http.html#patch): the patched result is validated like any write. */
  async patch(resourceType: string, id: string, apply: PatchFn, ifMatch?: number): Promise<Written> {
    return this.store.transaction(async (tx) => {
      const current = await tx.lockCurrent(resourceType, id);
      if (current === undefined) throw notFound(`${resourceType}/${id} is not known`);
      if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
      if (ifMatch !== undefined && ifMatch !== current.versionId) {
        throw preconditionFailed(`If-Match version ${ifMatch} is not the current version ${current.versionId}`);
      }
      const stored = await tx.read(resourceType, id);
      if (stored?.json == null) throw notFound(`${resourceType}/${id} is not known`);
      const patched = apply(JSON.parse(stored.json) as Record<string, unknown>);
      if (patched['id'] !== id || patched['resourceType'] !== resourceType) {
        throw invalid('A patch may not change the resource type or id');
      }
      const resource = prepareForWrite(this.validator, resourceType, patched, id);
      const v = await tx.writeNext(resourceType, id, current.versionId + 1, contentForStorage(resource), 'PATCH');
      return written(resource, v, false);
    });
  }

  /** The single id matching conditional criteria (404 none, 412 several). */
  async resolveSingle(resourceType: string, query: string, what: string): Promise<string> {
    const [first, second] = await this.store.match(resourceType, parseConditionalCriteria(query), 2);
    if (second !== undefined) throw multipleMatches(what);
    if (first === undefined) throw notFound(`${what}: no ${resourceType} matches the criteria`);
    return first;
  }

  /** Logical delete (https://hl7.org/fhir/R4/http.html#delete); deleting a deleted or unknown resource does nothing. */
  async delete(resourceType: string, id: string, ifMatch?: number): Promise<Deleted> {
    return this.store.transaction(async (tx) => {
      const current = await tx.lockCurrent(resourceType, id);
      if (current === undefined || current.deleted) {
        if (ifMatch !== undefined && ifMatch !== current?.versionId) throw preconditionFailed('If-Match does not hold');
        return { kind: 'deleted', versionId: undefined };
      }
      if (ifMatch !== undefined && ifMatch !== current.versionId) {
        throw preconditionFailed(`If-Match version ${ifMatch} is not the current version ${current.versionId}`);
      }
      const v = await tx.writeNext(resourceType, id, current.versionId + 1, null, 'DELETE');
      return { kind: 'deleted', versionId: v.versionId };
    });
  }

  /** Conditional delete: no match does nothing, one match is deleted, several give 412. */
  async conditionalDelete(resourceType: string, query: string): Promise<Deleted> {
    const criteria: MatchCriteria = parseConditionalCriteria(query);
    const [first, second] = await this.store.match(resourceType, criteria, 2);
    if (second !== undefined) throw multipleMatches('Conditional delete');
    if (first === undefined) return { kind: 'deleted', versionId: undefined };
    return this.delete(resourceType, first);
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
