import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrayProp, isJsonObject, stringProp, type JsonObject } from './json-object.js';
import { r4PackageDirectory } from './r4-structure-definitions.js';

/**
 * Expands the small, closed value sets of R4 required bindings (request-status, days-of-week...)
 * from the official package's ValueSet and CodeSystem resources
 * (https://hl7.org/fhir/R4/valueset.html#compositions): every include is a whole code system of
 * the package, an explicit list of codes, or another such value set. Anything else (filters,
 * external systems such as BCP-13 mime types or ISO 4217 currencies) is not expanded here:
 * undefined. Abstract codes (`notSelectable`) are not valid in instances and are left out.
 */
export class R4ValueSets {
  private readonly dir = r4PackageDirectory();
  private readonly expansions = new Map<string, readonly string[] | undefined>();

  /** The codes of a value set given by canonical URL (`|version` ignored), if closed and local. */
  codes(canonical: string): readonly string[] | undefined {
    const url = canonical.split('|')[0] ?? canonical;
    if (!this.expansions.has(url)) {
      this.expansions.set(url, undefined); // guards against import cycles
      this.expansions.set(url, this.expand(url));
    }
    return this.expansions.get(url);
  }

  /**
   * A ValueSet/CodeSystem file is named after its id: usually its URL's last segment, else
   * (http://hl7.org/fhir/CodeSystem/status) the id of the value set that uses it.
   */
  private read(kind: 'ValueSet' | 'CodeSystem', url: string, altId?: string): JsonObject | undefined {
    for (const id of [url.slice(url.lastIndexOf('/') + 1), altId]) {
      const file = join(this.dir, `${kind}-${id ?? ''}.json`);
      if (id === undefined || !existsSync(file)) continue;
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (isJsonObject(json) && json['url'] === url) return json;
    }
    return undefined;
  }

  private expand(url: string): readonly string[] | undefined {
    const vs = this.read('ValueSet', url);
    const compose = vs === undefined ? undefined : vs['compose'];
    if (!isJsonObject(compose) || compose['exclude'] !== undefined) return undefined;
    const out = new Set<string>();
    const id = stringProp(vs ?? {}, 'id');
    for (const include of arrayProp(compose, 'include')) {
      const codes = isJsonObject(include) ? this.include(include, id) : undefined;
      if (codes === undefined) return undefined;
      for (const c of codes) out.add(c);
    }
    return out.size > 0 ? [...out] : undefined;
  }

  private include(include: JsonObject, valueSetId: string | undefined): readonly string[] | undefined {
    if (include['filter'] !== undefined) return undefined;
    const fromValueSets: string[] = [];
    for (const imported of arrayProp(include, 'valueSet')) {
      const codes = typeof imported === 'string' ? this.codes(imported) : undefined;
      if (codes === undefined) return undefined;
      fromValueSets.push(...codes);
    }
    const system = stringProp(include, 'system');
    if (system === undefined) return fromValueSets;
    if (fromValueSets.length > 0) return undefined; // system AND value sets: an intersection
    if (include['concept'] !== undefined) {
      const concepts = arrayProp(include, 'concept').filter(isJsonObject);
      return concepts.flatMap((c) => (typeof c['code'] === 'string' ? [c['code']] : []));
    }
    const cs = this.read('CodeSystem', system, valueSetId);
    return cs === undefined || cs['content'] !== 'complete' ? undefined : selectableCodes(arrayProp(cs, 'concept'));
  }
}

function isAbstract(concept: JsonObject): boolean {
  const properties = arrayProp(concept, 'property').filter(isJsonObject);
  return properties.some((p) => p['code'] === 'notSelectable' && p['valueBoolean'] === true);
}

/** The codes of a concept tree (nested concepts are codes too), abstract ones left out. */
function selectableCodes(concepts: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const c of concepts) {
    if (!isJsonObject(c)) continue;
    const code = stringProp(c, 'code');
    if (code !== undefined && !isAbstract(c)) out.push(code);
    out.push(...selectableCodes(arrayProp(c, 'concept')));
  }
  return out;
}
