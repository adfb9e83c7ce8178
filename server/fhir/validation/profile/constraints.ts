import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { IssueSeverity } from '../../../errors/issue.js';
import { isJsonObject, type JsonObject } from '../../model/json-object.js';
import type { CompiledConstraint, InvariantEnv } from './compiled-types.js';
import { EXCLUDED_INVARIANTS, REWRITTEN_INVARIANTS } from './excluded-invariants.js';
import { shortcutFor } from './invariant-shortcuts.js';
import { nativeDefinitionInvariant } from './native-definition-invariants.js';
import { NATIVE_INVARIANTS, narrativeHasContent } from './native-invariants.js';

/**
 * ElementDefinition.constraint → a test compiled once with fhirpath.js, HL7's FHIRPath
 * engine (https://hl7.org/fhir/R4/fhirpath.html). An invariant holds unless it evaluates to
 * `false` (see `holds` for an empty result). The hottest invariants are native (native-invariants.ts); the others first try
 * a presence shortcut (invariant-shortcuts.ts) before running the engine.
 */

type Test = CompiledConstraint['test'];

/** Silences `trace()` calls that some R4 invariants contain (dom-3, ref-1). */
const OPTIONS = { traceFn: (): void => undefined };

/**
 * The result of an invariant: true when it evaluates to `true`. An empty result counts as
 * satisfied: fhirpath.js returns empty where the Java engine returns false for some
 * operations on missing data, and invariants are written to yield a boolean on valid data.
 */
function holds(result: unknown): boolean {
  if (!Array.isArray(result) || result.length === 0) return true;
  return !(result.length === 1 && result[0] === false);
}

const cache = new Map<string, Test | null>();

function compileExpression(base: string | undefined, expression: string): Test | null {
  const key = `${base ?? ''}\u0000${expression}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let test: Test | null;
  try {
    const fn = fhirpath.compile(base === undefined ? expression : { base, expression }, r4model, OPTIONS);
    const shortcut = shortcutFor(expression);
    test = (value: unknown, env: InvariantEnv): boolean =>
      shortcut?.(value) === true || holds(fn(value, { resource: env.resource, rootResource: env.rootResource }));
  } catch {
    // An expression fhirpath.js cannot parse is not checked (none in the R4 core).
    test = null;
  }
  cache.set(key, test);
  return test;
}

/** txt-1 leaves an empty narrative to txt-2 (htmlChecks() would fail it under both keys). */
function withTxt1(key: string, test: Test | null): Test | null {
  if (key !== 'txt-1' || test === null) return test;
  return (div, env) => !narrativeHasContent(div) || test(div, env);
}

/** A native test for an R4 invariant (not for a profile's own constraint that reuses the key). */
function native(c: JsonObject, key: string): Test | undefined {
  const source = c['source'];
  if (typeof source === 'string' && !source.startsWith('http://hl7.org/fhir/StructureDefinition/')) return undefined;
  return NATIVE_INVARIANTS.get(key) ?? nativeDefinitionInvariant(key);
}

function severityOf(s: unknown): IssueSeverity {
  return s === 'warning' ? 'warning' : s === 'information' ? 'information' : 'error';
}

/**
 * Compiles the constraints of one element. `base` is the FHIRPath type context: the element
 * path for backbone elements (`Observation.referenceRange`), the type name at a type's root
 * (`Period`), undefined at a resource's root.
 */
export function compileConstraints(raw: readonly unknown[], base: string | undefined, skip: (c: JsonObject) => boolean): CompiledConstraint[] {
  const out: CompiledConstraint[] = [];
  for (const c of raw) {
    if (!isJsonObject(c) || skip(c)) continue;
    const key = typeof c['key'] === 'string' ? c['key'] : '';
    const expression = typeof c['expression'] === 'string' ? c['expression'] : undefined;
    if (expression === undefined || EXCLUDED_INVARIANTS.has(key)) continue;
    const test = native(c, key) ?? withTxt1(key, compileExpression(base, REWRITTEN_INVARIANTS.get(key) ?? expression));
    if (test === null) continue;
    out.push({
      key,
      severity: severityOf(c['severity']),
      human: typeof c['human'] === 'string' ? c['human'] : key,
      expression,
      test,
    });
  }
  return out;
}
