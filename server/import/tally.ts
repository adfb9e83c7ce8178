import type { FhirError } from '../errors/fhir-error.js';
import type { BundleResult, EntryOutcome } from '../fhir/bundle/types.js';
import { isJsonObject } from '../fhir/model/json-object.js';

export interface TypeCounts {
  loaded: number;
  skipped: number;
  failed: number;
}

/** A file that failed, or the first failures inside one, with the reason. */
export interface FileFailure {
  readonly file: string;
  readonly reason: string;
}

/** What an import did, per resource type: loaded (created or updated), skipped (a conditional create matched), failed. */
export class ImportTally {
  readonly byType = new Map<string, TypeCounts>();
  readonly failures: FileFailure[] = [];
  filesDone = 0;
  filesFailed = 0;

  private counts(type: string): TypeCounts {
    let c = this.byType.get(type);
    if (c === undefined) {
      c = { loaded: 0, skipped: 0, failed: 0 };
      this.byType.set(type, c);
    }
    return c;
  }

  /** Entries processed so far, whatever their fate. */
  get resources(): number {
    let n = 0;
    for (const c of this.byType.values()) n += c.loaded + c.skipped + c.failed;
    return n;
  }

  get failed(): number {
    let n = 0;
    for (const c of this.byType.values()) n += c.failed;
    return n;
  }

  /** Counts a processed Bundle; returns the failed entries' errors with their index. */
  addResult(result: BundleResult): { index: number; error: FhirError }[] {
    return this.addOutcomes(result.outcomes, result.entryTypes);
  }

  /**
   * Counts outcomes, by the entries' types; an undefined outcome (a transaction's read
   * or search before its commit: BeforeCommit) counts as skipped, as it will be.
   */
  addOutcomes(outcomes: readonly (EntryOutcome | undefined)[], entryTypes: readonly string[]): { index: number; error: FhirError }[] {
    const failed: { index: number; error: FhirError }[] = [];
    outcomes.forEach((o, i) => {
      const c = this.counts(entryTypes[i] ?? 'unknown');
      if (o === undefined) {
        c.skipped += 1;
        return;
      }
      switch (o.kind) {
        case 'written':
        case 'deleted':
          c.loaded += 1;
          break;
        case 'existing':
        case 'read':
        case 'searched':
          c.skipped += 1;
          break;
        case 'failed':
          c.failed += 1;
          failed.push({ index: i, error: o.error });
      }
    });
    return failed;
  }

  addFailed(types: readonly string[]): void {
    for (const t of types) this.counts(t).failed += 1;
  }

  fail(file: string, reason: string): void {
    this.failures.push({ file, reason });
  }
}

/** The resource type of a raw Bundle entry, or `unknown`. */
export function entryTypeOf(raw: unknown): string {
  const r = isJsonObject(raw) ? raw['resource'] : undefined;
  return isJsonObject(r) && typeof r['resourceType'] === 'string' ? r['resourceType'] : 'unknown';
}

/** The resource type of each entry of a raw Bundle (none when it has no entry array). */
export function entryTypesOf(body: unknown): string[] {
  const entries: unknown = isJsonObject(body) ? body['entry'] : undefined;
  return Array.isArray(entries) ? entries.map(entryTypeOf) : [];
}
