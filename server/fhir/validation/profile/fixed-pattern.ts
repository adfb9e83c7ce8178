import { isJsonObject } from '../../model/json-object.js';

/**
 * fixed[x] and pattern[x] (https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.fixed_x_):
 * a fixed value must be matched exactly; a pattern only in the elements it has (an array in
 * the pattern needs each of its items matched by some item of the instance's array).
 * Numbers compare by value (JSON `1.0` and `1` are the same decimal).
 */

export function equalsFixed(instance: unknown, fixed: unknown): boolean {
  if (instance === fixed) return true;
  if (Array.isArray(fixed)) {
    return Array.isArray(instance) && instance.length === fixed.length && fixed.every((f, i) => equalsFixed(instance[i], f));
  }
  if (isJsonObject(fixed)) {
    if (!isJsonObject(instance)) return false;
    const keys = Object.keys(fixed);
    return keys.length === Object.keys(instance).length && keys.every((k) => equalsFixed(instance[k], fixed[k]));
  }
  return false;
}

export function matchesPattern(instance: unknown, pattern: unknown): boolean {
  if (instance === pattern) return true;
  if (Array.isArray(pattern)) {
    const items: readonly unknown[] = Array.isArray(instance) ? instance : [instance];
    return pattern.every((p) => items.some((i) => matchesPattern(i, p)));
  }
  if (isJsonObject(pattern)) {
    if (!isJsonObject(instance)) return false;
    for (const k in pattern) if (!matchesPattern(instance[k], pattern[k])) return false;
    return true;
  }
  return false;
}

/** Short rendering of an expected value for diagnostics. */
export function describe(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
