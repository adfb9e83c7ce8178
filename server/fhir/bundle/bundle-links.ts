import { invalid } from '../../errors/fhir-error.js';
import { isResourceType } from '../model/resource-types.js';
import type { LinkMapper } from './link-walker.js';

/** Where a Bundle entry ended up on this server. */
export interface LinkTarget {
  readonly resourceType: string;
  readonly id: string;
  /** Known when the entry is created here (version 1); version-specific links keep it. */
  readonly versionId?: number;
}

/** A conditional reference (`Patient?identifier=sys|val`, https://hl7.org/fhir/R4/http.html#trules). */
export interface ConditionalReference {
  readonly reference: string;
  readonly resourceType: string;
  readonly query: string;
}

const RESTFUL_FULL_URL = /^(https?:\/\/.+)\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const RELATIVE = /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
const VERSIONED = /^(.*)\/_history\/[A-Za-z0-9\-.]{1,64}$/;
const CONDITIONAL = /^([A-Za-z]+)\?(.+)$/;
const NARRATIVE_LINK = /(\s(?:href|src)\s*=\s*")([^"]*)(")/g;

function isPlaceholder(url: string): boolean {
  return url.startsWith('urn:uuid:') || url.startsWith('urn:oid:');
}

/** `Patient?identifier=x` as a conditional reference, if it is one. */
export function conditionalReference(value: string): ConditionalReference | undefined {
  const m = CONDITIONAL.exec(value);
  if (m?.[1] === undefined || m[2] === undefined || !isResourceType(m[1])) return undefined;
  return { reference: value, resourceType: m[1], query: m[2] };
}

/**
 * The identities of a Bundle's entries and the rewriting of links between them
 * (https://hl7.org/fhir/R4/http.html#trules, bundle.html#references): `urn:uuid:` /
 * `urn:oid:` full URLs, absolute full URLs, and relative `Type/id` references read
 * against the referring entry's own full URL. One instance per processing attempt.
 */
export class BundleLinks {
  private readonly bound: Map<string, LinkTarget>;
  private readonly declared: ReadonlySet<string>;
  private readonly conditionals = new Map<string, string>();
  private readonly pending = new Map<string, ConditionalReference>();

  constructor(
    private readonly serverBase: string,
    fullUrls: readonly (string | undefined)[],
    /** Entry bindings to share (withOwnConditionals). */
    shared?: BundleLinks,
  ) {
    this.declared = shared?.declared ?? new Set(fullUrls.filter((u): u is string => u !== undefined));
    this.bound = shared?.bound ?? new Map<string, LinkTarget>();
  }

  /**
   * A view that shares this one's entry bindings but resolves conditional references
   * for itself. A batch group resolves them inside its own transaction, possibly to a
   * resource it created and has not committed: no other group may reuse that answer,
   * and a rollback of the group must take it along.
   */
  withOwnConditionals(): BundleLinks {
    return new BundleLinks(this.serverBase, [], this);
  }

  /** Records where the entry with this full URL lives, so links to it can be rewritten. */
  bind(fullUrl: string | undefined, target: LinkTarget): void {
    if (fullUrl !== undefined) this.bound.set(fullUrl, target);
  }

  target(fullUrl: string): LinkTarget | undefined {
    return this.bound.get(fullUrl);
  }

  /**
   * Conditional references met by mappers since the last call that are not resolved
   * yet (each once); the mapper leaves them as they are until they are resolved.
   */
  takePending(): ConditionalReference[] {
    const out = [...this.pending.values()];
    this.pending.clear();
    return out;
  }

  resolvedConditional(reference: string, id: string): void {
    this.conditionals.set(reference, id);
  }

  /** The link mapper for the resource of the entry whose full URL is `entryFullUrl`. */
  mapper(entryFullUrl: string | undefined): LinkMapper {
    const base = this.entryBase(entryFullUrl);
    return (value, kind) => {
      switch (kind) {
        case 'reference':
          return this.reference(value, base);
        case 'uri':
          return this.uri(value) ?? value;
        case 'xhtml':
          return this.bound.size === 0 ? value : value.replace(NARRATIVE_LINK, (all, pre: string, url: string, post: string) => {
            const replaced = this.uri(url);
            return replaced === undefined ? all : `${pre}${replaced}${post}`;
          });
      }
    };
  }

  /** A uri / url / narrative link: exact match of a full URL, or of the part before '#'. */
  private uri(value: string): string | undefined {
    const hash = value.indexOf('#');
    const url = hash < 0 ? value : value.slice(0, hash);
    const t = this.bound.get(url);
    return t === undefined ? undefined : `${t.resourceType}/${t.id}${hash < 0 ? '' : value.slice(hash)}`;
  }

  /**
   * Whether a link of the resource of the entry with `entryFullUrl` names another
   * entry of the Bundle (bound or not), i.e. whether processing it depends on that entry.
   */
  namesEntry(value: string, entryFullUrl: string | undefined): boolean {
    if (value.startsWith('#')) return false;
    return this.declared.has(this.targetKey(value, this.entryBase(entryFullUrl)));
  }

  private entryBase(entryFullUrl: string | undefined): string {
    return (entryFullUrl === undefined ? undefined : RESTFUL_FULL_URL.exec(entryFullUrl)?.[1]) ?? this.serverBase;
  }

  /** The full URL a link names: without fragment and version, relative `Type/id` read against `base`. */
  private targetKey(value: string, base: string): string {
    const hash = value.indexOf('#');
    const url = hash < 0 ? value : value.slice(0, hash);
    if (isPlaceholder(url)) return url;
    const unversioned = VERSIONED.exec(url)?.[1] ?? url;
    return RELATIVE.test(unversioned) ? `${base}/${unversioned}` : unversioned;
  }

  private reference(value: string, base: string): string {
    if (value.startsWith('#')) return value;
    const hash = value.indexOf('#');
    const url = hash < 0 ? value : value.slice(0, hash);
    const fragment = hash < 0 ? '' : value.slice(hash);
    if (isPlaceholder(url)) return this.placeholder(value, url, fragment);
    const c = conditionalReference(value);
    if (c !== undefined) {
      const id = this.conditionals.get(value);
      if (id !== undefined) return `${c.resourceType}/${id}`;
      this.pending.set(value, c);
      return value;
    }
    const versioned = VERSIONED.exec(url);
    const t = this.bound.get(this.targetKey(url, base));
    if (t === undefined) return value;
    // Version-specific references stay version-specific (http.html#trules) when the version is known.
    const version = versioned !== null && t.versionId !== undefined ? `/_history/${t.versionId}` : '';
    return `${t.resourceType}/${t.id}${version}${fragment}`;
  }

  /** A `urn:uuid:` / `urn:oid:` reference must name an entry: stored, it would point nowhere. */
  private placeholder(value: string, url: string, fragment: string): string {
    const t = this.bound.get(url);
    if (t !== undefined) return `${t.resourceType}/${t.id}${fragment}`;
    if (this.declared.has(url)) {
      throw invalid(`The reference ${value} is to an entry that has not been processed (batch entries may not depend on each other: http.html#brules)`);
    }
    throw invalid(`The reference ${value} does not match the fullUrl of any entry in the Bundle`);
  }
}
