import { FhirError } from '../../errors/fhir-error.js';
import type { NewResource } from '../../store/insert-many.js';
import type { IndexRows } from '../../store/search/rows.js';
import type { VersionInfo, WriteMethod } from '../../store/types.js';
import { instantNow } from '../model/instant-now.js';
import type { Indexer } from '../search/index/indexer.js';
import type { Validator } from '../validation/index.js';
import type { ManyItem } from '../validation/threads/many-validator.js';
import { isJsonObject } from '../model/json-object.js';
import { prepareForWrite, rejectErrors, shapeForWrite, stamped } from './prepare.js';
import { storableContent } from './storable.js';
import type { ResourceJson, WriteHook, Written } from './types.js';

/**
 * Creates prepared ahead of their write: validated (or marked for validation) and
 * indexed, with the text PostgreSQL stores, so that a run of them is written by one
 * multi-row statement (TransactionWriter.createPrepared).
 */

/** A written version as the writer reports it: the resource stamped with its version and time. */
export function written(resource: ResourceJson, v: VersionInfo, created: boolean): Written {
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

/** The create's outcome once stored; 409 when `v` says its id was taken (insertMany found it). */
export function writtenCreate(p: PreparedCreate, v: VersionInfo | undefined): Written {
  if (v === undefined) throw new FhirError('conflict', `${p.row.resourceType}/${p.row.id} already exists`);
  return written(p.resource, v, true);
}

/** A plain create, validated and indexed, waiting to be stored with others (TransactionWriter.createPrepared). */
export interface PreparedCreate {
  readonly resource: ResourceJson;
  readonly row: NewResource;
  /** Set while the create still has to pass validation (prepareUnchecked, then validatePrepared). */
  readonly unchecked?: ManyItem | undefined;
  /** Runs instead of the writer's own hook (creates of several requests batched together each bring theirs). */
  readonly hook?: WriteHook | undefined;
}

/**
 * Validates and indexes a plain create (no criteria) without writing it, so that
 * a run of them can be stored by one multi-row statement (createPrepared): a
 * transaction Bundle of a thousand new resources then costs a few statements,
 * not a thousand. Throws the validation error (422) of this resource.
 */
export function prepareCreate(validator: Validator, indexer: Indexer, resourceType: string, body: unknown, id: string): PreparedCreate {
  return createOf(indexer, prepareForWrite(validator, resourceType, body, id));
}

/**
 * prepareCreate without the validation, which the caller runs later for a whole run
 * of creates (TransactionWriter.validatePrepared), possibly on a validation thread
 * while the next run is prepared. The create is not stored before it passes. When
 * indexing or serialising throws, the validation runs at once: an invalid resource
 * is reported as invalid, as prepareCreate would.
 */
export function prepareUnchecked(validator: Validator, indexer: Indexer, resourceType: string, body: unknown, id: string): PreparedCreate {
  const { resource, forValidation } = shapeForWrite(resourceType, body, id);
  try {
    const row = rowOf(indexer, resource);
    return { resource, row, unchecked: { resourceType, content: row.content, resource: forValidation } };
  } catch (err) {
    rejectErrors(validator.validate(forValidation));
    throw err;
  }
}

/** A validated resource as a create: its stored text and index rows. */
export function createOf(indexer: Indexer, resource: ResourceJson): PreparedCreate {
  return { resource, row: rowOf(indexer, resource) };
}

/** The row a create stores: its text and index rows. */
function rowOf(indexer: Indexer, resource: ResourceJson): NewResource {
  return firstVersionRow(resource, 'POST', indexer.rows(resource));
}

/**
 * Version 1 of `resource` as stored: meta carries versionId 1 and the time it is
 * written, taken here rather than in the database, so that PostgreSQL stores the text
 * as it comes instead of rebuilding every resource's JSON twice to stamp it (about
 * 10 µs of its CPU per resource; store/sql.ts insertManyFirstVersions reads the
 * column from the stamp).
 */
export function firstVersionRow(resource: ResourceJson, method: WriteMethod, index: IndexRows): NewResource {
  const meta = isJsonObject(resource['meta']) ? resource['meta'] : {};
  const content = storableContent({ ...resource, meta: { ...meta, versionId: '1', lastUpdated: instantNow() } });
  return { resourceType: resource.resourceType, id: String(resource['id']), content, method, index };
}

/** The `index`-th write of a createPrepared / updatePrepared call failed with `cause` (its id was taken, or a hook refused it). */
export class PreparedCreateError extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`create ${index} of the batch failed`, { cause });
    this.name = 'PreparedCreateError';
  }
}
