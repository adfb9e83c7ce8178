import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrayProp, isJsonObject, stringProp } from '../../model/json-object.js';
import { r4PackageDirectory } from '../../model/r4-structure-definitions.js';
import { elementAt } from './element-model.js';

const bySet = new Map<string, string | undefined>();
const byPath = new Map<string, string | undefined>();

/** The one code system a value set draws from, when it has exactly one include with a system. */
function valueSetSystem(canonical: string): string | undefined {
  const url = canonical.split('|')[0] ?? canonical;
  if (bySet.has(url)) return bySet.get(url);
  let system: string | undefined;
  const file = join(r4PackageDirectory(), `ValueSet-${url.slice(url.lastIndexOf('/') + 1)}.json`);
  if (existsSync(file)) {
    const vs: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const compose = isJsonObject(vs) && vs['url'] === url ? vs['compose'] : undefined;
    const includes = isJsonObject(compose) ? arrayProp(compose, 'include').filter(isJsonObject) : [];
    const only = includes.length === 1 ? includes[0] : undefined;
    if (only !== undefined && only['valueSet'] === undefined) system = stringProp(only, 'system');
  }
  bySet.set(url, system);
  return system;
}

/**
 * The code system implied for a `code` element by its required binding
 * (https://hl7.org/fhir/R4/search.html#token: for a code, "the system is
 * implicit"), so that `gender=http://hl7.org/fhir/administrative-gender|male`
 * matches as well as `gender=male`.
 */
export function implicitSystem(path: string): string | undefined {
  if (byPath.has(path)) return byPath.get(path);
  const vs = elementAt(path)?.requiredValueSet;
  const system = vs === undefined ? undefined : valueSetSystem(vs);
  byPath.set(path, system);
  return system;
}
