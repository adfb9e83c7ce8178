import { FhirError } from '../../errors/fhir-error.js';
import type { StoreTransaction } from '../../store/resource-store.js';
import type { Condition } from '../../store/search/condition.js';
import type { StoredVersion } from '../../store/types.js';
import type { Indexer } from '../search/index/indexer.js';

/** Criteria of a conditional interaction: `Patient` and `identifier=sys|val`. */
export interface Criteria {
  readonly resourceType: string;
  readonly query: string;
}

export const multipleMatches = (what: string): FhirError =>
  new FhirError('multipleMatches', `${what}: the criteria match more than one resource`);

/** Criteria as a comparable key: parameters sorted, so `a=1&b=2` and `b=2&a=1` are one. */
export function criteriaKey(resourceType: string, query: string): string {
  return `${resourceType}?${[...new URLSearchParams(query)].map(([k, v]) => `${k}=${v}`).sort().join('&')}`;
}

/**
 * Lock key for a conditional interaction, so that racing ones on equal criteria serialise.
 * U+0000 cannot be a PostgreSQL text value; it is replaced here so that the criteria parser
 * can refuse it with a 400.
 */
const lockKey = (c: Criteria): string => `cond:${criteriaKey(c.resourceType, c.query)}`.replace(/\u0000/g, '\ufffd');

/**
 * The conditional criteria of one write transaction (https://hl7.org/fhir/R4/http.html#ccreate,
 * #cond-update, #cdelete): their locks, each taken once and held to the end, and their
 * matches, run inside the transaction so they see its own earlier writes.
 */
export class CriteriaMatcher {
  constructor(
    private readonly tx: StoreTransaction,
    private readonly indexer: Indexer,
  ) {}

  /** Advisory locks are held until the transaction ends: each is taken once. */
  private readonly held = new Set<string>();

  /**
   * Matches of conditional criteria found ahead by prematch, by lock key, and
   * the versions they found by type and id. Valid only until the transaction writes
   * (written() clears them), so a match never misses a version the transaction wrote
   * before it.
   */
  private readonly prematched = new Map<string, readonly StoredVersion[]>();
  private readonly found = new Map<string, StoredVersion>();

  /**
   * Takes the locks of several criteria in one fixed (sorted) order and one statement,
   * so that Bundles racing on overlapping criteria queue instead of deadlocking. The
   * later create / update / delete finds its lock held and does not ask again (a round
   * trip saved per conditional entry).
   */
  async lock(items: readonly Criteria[]): Promise<void> {
    const wanted = [...new Set(items.map(lockKey))].filter((k) => !this.held.has(k)).sort();
    await this.tx.lockAll(wanted);
    for (const k of wanted) this.held.add(k);
  }

  /**
   * Locks and matches the criteria of several conditional creates or updates in a
   * few statements (one per shape of criteria, store/search/match-many-sql.ts), for
   * their matches to use instead of a statement each (a create's also instead of a
   * read); each result is what the match would have found, until the transaction
   * writes (written()). Criteria that do not parse are left to their entry, which
   * reports them.
   */
  async prematch(items: readonly Criteria[]): Promise<void> {
    await this.lock(items);
    const keys: string[] = [];
    const seen = new Set<string>();
    const wanted: { resourceType: string; conditions: Condition[] }[] = [];
    for (const c of items) {
      const key = lockKey(c);
      if (this.prematched.has(key) || seen.has(key)) continue;
      seen.add(key);
      try {
        wanted.push({ resourceType: c.resourceType, conditions: await this.indexer.criteria(c.resourceType, c.query) });
        keys.push(key);
      } catch {
        // Its create parses the criteria again and fails with the 400.
      }
    }
    if (wanted.length < 2) return;
    const found = await this.tx.matchMany(wanted, 2);
    keys.forEach((key, i) => this.prematched.set(key, found[i] ?? []));
  }

  /**
   * The ids each criteria matches now (up to two each), in a few statements, bypassing
   * what was matched ahead. Unknown parameters are 400.
   */
  async matchEach(items: readonly Criteria[]): Promise<string[][]> {
    const wanted = await Promise.all(items.map(async (c) => ({ resourceType: c.resourceType, conditions: await this.indexer.criteria(c.resourceType, c.query) })));
    return (await this.tx.matchMany(wanted, 2)).map((versions) => versions.map((v) => v.id));
  }

  /** The transaction wrote: matches found ahead may be stale. */
  written(): void {
    this.prematched.clear();
    this.found.clear();
  }

  /** The current version of a resource prematch found and matchOne answered with, if still valid. */
  knownVersion(resourceType: string, id: string): StoredVersion | undefined {
    return this.found.get(`${resourceType}/${id}`);
  }

  /**
   * The one resource matching `c` (undefined when none, 412 naming `what` when
   * several), after taking the criteria's lock when `locked`. Criteria matched ahead
   * (prematch) and not written since are answered from there. Unknown
   * parameters are 400.
   */
  async matchOne(c: Criteria, what: string, options: { readonly locked: boolean }): Promise<string | undefined> {
    // Criteria matched ahead were parsed then (and hold their lock): not parsed again.
    let ids = this.prematchedIds(c);
    if (ids === undefined) {
      const conditions = await this.indexer.criteria(c.resourceType, c.query);
      if (options.locked) await this.lock([c]);
      ids = await this.tx.match(c.resourceType, conditions, 2);
    }
    const [first, second] = ids;
    if (second !== undefined) throw multipleMatches(what);
    return first;
  }

  private prematchedIds(c: Criteria): readonly string[] | undefined {
    const versions = this.prematched.get(lockKey(c));
    if (versions === undefined) return undefined;
    for (const v of versions) this.found.set(`${v.resourceType}/${v.id}`, v);
    return versions.map((v) => v.id);
  }
}
