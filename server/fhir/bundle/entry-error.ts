import { FhirError } from '../../errors/fhir-error.js';
import type { Issue } from '../../errors/issue.js';
import { sqlState } from '../../store/db.js';
import { PreparedCreateError } from '../repository/prepared-create.js';
import type { EntryRequest } from './entry-request.js';

/** SQLSTATEs the store's transaction runner retries: they must pass through untouched. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && RETRYABLE.has(state);
}

/** `Patient.name[0]` inside entry 3 → `Bundle.entry[3].resource.name[0]`. */
function inBundle(expression: string, index: number): string {
  const dot = expression.indexOf('.');
  const head = dot < 0 ? expression : expression.slice(0, dot);
  const rest = /^[A-Z]/.test(head) ? (dot < 0 ? '' : expression.slice(dot)) : `.${expression}`;
  return `Bundle.entry[${index}].resource${rest}`;
}

/** Any failure as a FhirError; database errors the client can act on are mapped, the rest stay internal. */
export function asFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  const state = sqlState(err);
  if (state === '23505') return new FhirError('conflict', 'The write conflicts with a concurrent write; retry', { cause: err });
  if (state !== undefined && (RETRYABLE.has(state) || state === '57014')) {
    return new FhirError('busy', 'The server is busy; retry the request', { cause: err, headers: { 'Retry-After': '1' } });
  }
  return new FhirError('internal', 'Internal error while processing the entry', { cause: err });
}

/**
 * The error of a whole transaction, naming the entry that failed
 * (`expression: Bundle.entry[3]`, https://hl7.org/fhir/R4/http.html#transaction-response):
 * the status stays the entry's own (404, 412, 422...). Retryable database errors are
 * returned unchanged so that the transaction runner can retry the whole Bundle;
 * unexpected errors stay internal (500, details in the log only).
 */
export function namedEntryError(err: unknown, index: number, label: string): unknown {
  if (isRetryable(err)) return err;
  const e = asFhirError(err);
  if (!e.expose) return err;
  const issues: Issue[] = e.issues.map((i) => ({
    ...i,
    diagnostics: `Bundle.entry[${index}] (${label}): ${i.diagnostics}`,
    expression: [`Bundle.entry[${index}]`, ...(i.expression ?? []).map((x) => inBundle(x, index))],
  }));
  return new FhirError(e.kind, issues[0]?.diagnostics ?? e.message, { issues, headers: e.headers, cause: err });
}

/** `fn`'s failure as the error of entry `e`, named (namedEntryError). */
export function namedSync<T>(e: EntryRequest, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw namedEntryError(err, e.index, e.label);
  }
}

/**
 * The failure of writing a run of entries together (createPrepared / updatePrepared):
 * a PreparedCreateError as the error of the entry it names; anything else as it is.
 */
export function namedRunError(run: readonly { readonly e: EntryRequest }[], err: unknown): unknown {
  if (!(err instanceof PreparedCreateError)) return err;
  const at = run[err.index];
  return at === undefined ? err : namedEntryError(err.cause, at.e.index, at.e.label);
}
