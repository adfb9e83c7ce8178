/** A parsed JSON object (not an array, not null): how FHIR resources and complex elements arrive. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj[key]` when it is a string, else undefined. */
export function stringProp(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

/** `obj[key]` when it is an array, else an empty array. */
export function arrayProp(obj: JsonObject, key: string): readonly unknown[] {
  const v = obj[key];
  return Array.isArray(v) ? v : [];
}

/**
 * `obj[key] = value` as JSON.parse and `{ ...spread }` would define it: an own
 * property even for `__proto__`, which plain assignment would take as the prototype.
 */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
