import { FhirError } from '../../errors/fhir-error.js';
import { newId } from '../model/ids.js';
import type { JsonObject } from '../model/json-object.js';
import type { TransactionWriter } from '../repository/writer.js';
import type { BundleLinks, ConditionalReference } from './bundle-links.js';
import type { EntryRequest } from './entry-request.js';
import type { LinkWalker } from './link-walker.js';
import { patchFromEntry } from './patch-body.js';
import type { EntryOutcome } from './types.js';

/** What executing an entry needs: the open transaction and the Bundle's links. */
export interface EntryContext {
  readonly writer: TransactionWriter;
  readonly walker: LinkWalker;
  readonly links: BundleLinks;
}

/** The id matching conditional criteria, or undefined when none does (412 when several do). */
export async function matchOrNone(w: TransactionWriter, resourceType: string, query: string, what: string): Promise<string | undefined> {
  try {
    return await w.resolveSingle(resourceType, query, what);
  } catch (err) {
    if (err instanceof FhirError && err.kind === 'notFound') return undefined;
    throw err;
  }
}

/** An entry's resource after the first pass over its links: conditional references not resolved yet are `pending`. */
export interface MappedLinks {
  readonly resource: JsonObject;
  readonly pending: readonly ConditionalReference[];
}

/** First pass: every link rewritten that can be without the database (see rewritten). */
export function mapLinks(ctx: EntryContext, e: EntryRequest, resource: JsonObject): MappedLinks {
  ctx.links.takePending();
  const mapped = ctx.walker.map(resource, ctx.links.mapper(e.fullUrl));
  return { resource: mapped, pending: ctx.links.takePending() };
}

/** Second pass, when the first left conditional references pending: resolves them and maps `original` again. */
export async function withConditionals(ctx: EntryContext, e: EntryRequest, original: JsonObject, first: MappedLinks): Promise<JsonObject> {
  if (first.pending.length === 0) return first.resource;
  for (const c of first.pending) {
    ctx.links.resolvedConditional(c.reference, await ctx.writer.resolveSingle(c.resourceType, c.query, `Conditional reference ${c.reference}`));
  }
  return ctx.walker.map(original, ctx.links.mapper(e.fullUrl));
}

/**
 * The entry's resource with its links rewritten (https://hl7.org/fhir/R4/http.html#trules).
 * Conditional references are resolved through the writer, inside the same database
 * transaction, so they see the Bundle's own earlier writes and gain whatever matcher
 * the repository uses for conditional criteria.
 */
export function rewritten(ctx: EntryContext, e: EntryRequest, resource: JsonObject): Promise<JsonObject> {
  return withConditionals(ctx, e, resource, mapLinks(ctx, e, resource));
}

export function resourceOf(e: EntryRequest): JsonObject {
  if (e.resource === undefined) throw new Error(`entry ${e.index}: ${e.method} without a resource passed parsing`);
  return e.resource;
}

async function post(ctx: EntryContext, e: EntryRequest, id: string): Promise<EntryOutcome> {
  const body = await rewritten(ctx, e, resourceOf(e));
  const r = await ctx.writer.create(e.resourceType, body, { id, ...(e.ifNoneExist === undefined ? {} : { ifNoneExist: e.ifNoneExist }) });
  return r.kind === 'existing' ? { kind: 'existing', stored: r.stored } : { kind: 'written', written: r };
}

async function put(ctx: EntryContext, e: EntryRequest, id: string | undefined): Promise<EntryOutcome> {
  let body = await rewritten(ctx, e, resourceOf(e));
  if (e.id !== undefined) return { kind: 'written', written: await ctx.writer.update(e.resourceType, e.id, body, e.ifMatch) };
  const query = e.query ?? '';
  // http.html#cond-update: with no match and no id in the body the server picks the id; we pick it beforehand.
  if (id !== undefined && body['id'] === undefined) body = { ...body, id };
  return { kind: 'written', written: await ctx.writer.conditionalUpdate(e.resourceType, query, body, e.ifMatch) };
}

async function patch(ctx: EntryContext, e: EntryRequest): Promise<EntryOutcome> {
  const apply = patchFromEntry(await rewritten(ctx, e, resourceOf(e)));
  const id = e.id ?? (await ctx.writer.resolveSingle(e.resourceType, e.query ?? '', 'Conditional patch'));
  return { kind: 'written', written: await ctx.writer.patch(e.resourceType, id, apply, e.ifMatch) };
}

async function remove(ctx: EntryContext, e: EntryRequest): Promise<EntryOutcome> {
  const { resourceType } = e;
  if (e.id !== undefined) {
    return { kind: 'deleted', resourceType, id: e.id, deleted: await ctx.writer.delete(resourceType, e.id, e.ifMatch) };
  }
  // http.html#cdelete: one match is deleted, none is nothing, several are 412. Resolving the
  // id here (under the criteria lock) lets a transaction check identities (http.html#trules).
  const query = e.query ?? '';
  await ctx.writer.lockCriteria([{ resourceType, query }]);
  const id = await matchOrNone(ctx.writer, resourceType, query, 'Conditional delete');
  if (id === undefined) return { kind: 'deleted', resourceType, id, deleted: { kind: 'deleted', versionId: undefined } };
  return { kind: 'deleted', resourceType, id, deleted: await ctx.writer.delete(resourceType, id) };
}

/**
 * Executes a POST / PUT / PATCH / DELETE entry with the repository's write semantics.
 * `id` is the id chosen beforehand for a POST (and a conditional PUT that creates).
 */
export function executeWrite(ctx: EntryContext, e: EntryRequest, id: string | undefined): Promise<EntryOutcome> {
  switch (e.method) {
    case 'POST':
      return post(ctx, e, id ?? newId());
    case 'PUT':
      return put(ctx, e, id);
    case 'PATCH':
      return patch(ctx, e);
    case 'DELETE':
      return remove(ctx, e);
    case 'GET':
    case 'HEAD':
      throw new Error(`entry ${e.index}: ${e.method} is not a write`);
  }
}

/** The identity a write outcome acts on, for the transaction's once-only rule. */
export function outcomeIdentity(o: EntryOutcome): string | undefined {
  switch (o.kind) {
    case 'written':
      return `${o.written.resourceType}/${o.written.id}`;
    case 'deleted':
      return o.id === undefined ? undefined : `${o.resourceType}/${o.id}`;
    case 'existing':
    case 'read':
    case 'searched':
    case 'failed':
      return undefined;
  }
}
