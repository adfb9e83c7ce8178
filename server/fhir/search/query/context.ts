import type { TokenMatch } from '../../../store/search/token.js';
import type { SearchParamRegistry } from '../definitions/registry.js';

/** Terminology lookups token modifiers need (`:in`, `:not-in`, `:below`, `:above`). */
export interface Terminology {
  /** Codes of a ValueSet held by this server (by canonical URL); undefined when unknown. */
  valueSetCodes(url: string): Promise<TokenMatch[] | undefined>;
  /** Codes at or below / above `code` in a CodeSystem held by this server; undefined when no hierarchy is known. */
  subsumption(system: string, code: string, direction: 'below' | 'above'): Promise<string[] | undefined>;
}

/** What parsing a search needs besides the query itself. */
export interface SearchContext {
  readonly registry: SearchParamRegistry;
  /** This server's FHIR base URL: absolute references under it are local. */
  readonly baseUrl: string;
  readonly terminology: Terminology;
  readonly isResourceType: (name: string) => boolean;
}
