/**
 * The search interaction without HTTP (https://hl7.org/fhir/R4/search.html):
 * parse → store query (keyset page) → total → includes → page links. Also
 * turns conditional-interaction criteria into conditions, so conditional
 * create / update / delete use the same engine.
 */
import type { OperationOutcome } from 'fhir/r4.js';
import { invalid } from '../../errors/fhir-error.js';
import type { SearchSpec } from '../../store/search/search-sql.js';
import type { SearchRow, SearchStore } from '../../store/search/search-store.js';
import { isResourceType } from '../model/resource-types.js';
import type { SearchPage } from './bundle.js';
import { compartmentCondition } from './compartment.js';
import { confinementCondition, type SearchConfinement } from './confinement.js';
import type { SearchParamRegistry } from './definitions/registry.js';
import { resolveIncludes } from './include.js';
import { decodeCursor, encodeCursor, pageLinks } from './paging.js';
import type { SearchContext } from './query/context.js';
import { parseSearch, type ParsedSearch } from './query/parse.js';
import { StoreTerminology } from './terminology.js';

export interface SearchSettings {
  readonly baseUrl: string;
  readonly defaultCount: number;
  readonly maxCount: number;
  /** Most resources `_include` / `_revinclude` add to one page. */
  readonly maxIncludes: number;
  /** The debug switch: `_explain=true` returns the SQL and its plan. */
  readonly explain: boolean;
}

export interface SearchInput {
  /** Resource types searched: one for a type search, several for a system search. */
  readonly types: readonly string[];
  readonly params: readonly (readonly [string, string])[];
  /** `Prefer: handling=strict`. */
  readonly strict: boolean;
  /** Compartment search: `Patient/123/Observation`. */
  readonly compartment?: { readonly type: string; readonly id: string };
  /** Request path below the FHIR base, for page links (`/Patient`, ``, `/Patient/1/Observation`). */
  readonly path: string;
  /**
   * What the caller may see of each type (the auth guard's constraint, issue #6),
   * applied in SQL to single-type searches. A system search over several types
   * is screened resource by resource by the guard instead.
   */
  readonly confine?: SearchConfinement;
}

export type SearchOutput =
  | { readonly kind: 'page'; readonly page: SearchPage; readonly parsed: ParsedSearch }
  | { readonly kind: 'explain'; readonly outcome: OperationOutcome };

function ignoredOutcome(parsed: ParsedSearch): OperationOutcome | undefined {
  if (parsed.ignored.length === 0) return undefined;
  return {
    resourceType: 'OperationOutcome',
    issue: parsed.ignored.map((i) => ({ severity: 'warning', code: 'not-supported', diagnostics: `${i.reason}; ignored`, expression: [i.param] })),
  };
}

/** Where the parameters in force come from (see SearchParamProvider). */
export interface RegistrySource {
  registry(): SearchParamRegistry;
  /** The registry after any reload that is due (searches wait for it). */
  fresh(): Promise<SearchParamRegistry>;
}

export class SearchService {
  private readonly terminology: StoreTerminology;
  private readonly source: RegistrySource;

  constructor(
    private readonly store: SearchStore,
    /** The parameters in force; a plain function for a fixed set (the official one). */
    source: RegistrySource | (() => SearchParamRegistry),
    private readonly settings: SearchSettings,
  ) {
    this.source = typeof source === 'function' ? { registry: source, fresh: () => Promise.resolve(source()) } : source;
    this.terminology = new StoreTerminology(store, () => this.source.registry());
  }

  /** ValueSets and CodeSystems held by this server, for token modifiers (also for conditional criteria). */
  get heldTerminology(): StoreTerminology {
    return this.terminology;
  }

  private context(): SearchContext {
    return { registry: this.source.registry(), baseUrl: this.settings.baseUrl, terminology: this.terminology, isResourceType };
  }

  /**
   * Throws what `search` would throw for this input's parameters (400 for a value it
   * cannot read), without running it: a transaction checks its search entries before
   * it commits, since they run after.
   */
  async check(input: Pick<SearchInput, 'types' | 'params' | 'strict'>): Promise<void> {
    await this.parse(input);
  }

  /** The input's parameters read with the parameters now in force. */
  private async parse(input: Pick<SearchInput, 'types' | 'params' | 'strict'>): Promise<ParsedSearch> {
    await this.source.fresh();
    return parseSearch(input.params, input.types, this.context(), {
      strict: input.strict,
      defaultCount: this.settings.defaultCount,
      maxCount: this.settings.maxCount,
    });
  }

  async search(input: SearchInput): Promise<SearchOutput> {
    const parsed = await this.parse(input);
    if (!parsed.explain || !this.settings.explain) return { kind: 'page', parsed, page: await this.run(input, parsed, this.store) };
    const { store, plans } = this.store.explaining();
    await this.run(input, parsed, store);
    const issue = plans.flatMap((p) => [
      { severity: 'information' as const, code: 'informational' as const, diagnostics: p.sql.replace(/\s+/g, ' ').trim() },
      { severity: 'information' as const, code: 'informational' as const, diagnostics: p.plan.join('\n') },
    ]);
    return { kind: 'explain', outcome: { resourceType: 'OperationOutcome', issue } };
  }

  /** The page, its total, includes and links, with the statements run on `store`. */
  private async run(input: SearchInput, parsed: ParsedSearch, store: SearchStore): Promise<SearchPage> {
    const ctx = this.context();
    const conditions = [...parsed.conditions];
    if (input.compartment !== undefined) {
      const type = input.types[0] ?? '';
      const c = compartmentCondition(ctx.registry, input.compartment.type, input.compartment.id, type);
      if (c === undefined) throw invalid(`${type} is not in the ${input.compartment.type} compartment`);
      conditions.push(c);
    }
    const [only, ...others] = input.types;
    if (input.confine !== undefined && only !== undefined && others.length === 0) {
      const c = await confinementCondition(input.confine, only, ctx);
      if (c !== undefined) conditions.push(c);
    }
    const keyset = parsed.cursor === undefined ? undefined : decodeCursor(parsed.cursor, parsed.sort);
    const spec: SearchSpec = { types: input.types, conditions, sort: parsed.sort, limit: parsed.count + 1, now: Date.now(), ...(keyset === undefined ? {} : { keyset }) };
    const countOnly = parsed.summary === 'count' || parsed.count === 0;
    const rows = countOnly ? [] : await store.search(spec);
    const more = rows.length > parsed.count;
    const backwards = keyset?.direction === 'before';
    // The extra row is at the far end in the direction read: the start when paging backwards.
    const matches = more ? (backwards ? rows.slice(1) : rows.slice(0, parsed.count)) : rows;
    const total = await this.total(store, parsed, spec, matches, keyset === undefined && !more);
    const included = await resolveIncludes(store, ctx.registry, matches, parsed.include, parsed.revinclude, this.settings.maxIncludes);
    const links = this.links(input, parsed, matches, more, keyset?.direction);
    const outcome = ignoredOutcome(parsed);
    if (!included.truncated) return { total, links, matches, included: included.rows, outcome };
    const cut = { severity: 'warning' as const, code: 'too-costly' as const, diagnostics: `Included resources were cut at ${this.settings.maxIncludes}` };
    return { total, links, matches, included: included.rows, outcome: { resourceType: 'OperationOutcome', issue: [...(outcome?.issue ?? []), cut] } };
  }

  private async total(store: SearchStore, parsed: ParsedSearch, spec: SearchSpec, matches: readonly SearchRow[], complete: boolean): Promise<number | undefined> {
    if (parsed.summary === 'count' || parsed.count === 0 || parsed.total === 'accurate') return store.count(spec);
    if (parsed.total === 'estimate') return complete ? matches.length : store.estimate(spec);
    if (parsed.total === 'none') return undefined;
    // Default: the total when it is known for free (everything fits on the first page).
    return complete ? matches.length : undefined;
  }

  private links(input: SearchInput, parsed: ParsedSearch, matches: readonly SearchRow[], more: boolean, dir: 'after' | 'before' | undefined) {
    const first = matches[0];
    const last = matches[matches.length - 1];
    const hasNext = dir === 'before' ? true : more;
    const hasPrev = dir === undefined ? false : dir === 'after' ? true : more;
    const next = hasNext && last !== undefined ? encodeCursor('after', last.cursor, parsed.sort) : undefined;
    const prev = hasPrev && first !== undefined ? encodeCursor('before', first.cursor, parsed.sort) : undefined;
    return pageLinks(this.settings.baseUrl, input.path, input.params, parsed.cursor, next, prev);
  }
}
