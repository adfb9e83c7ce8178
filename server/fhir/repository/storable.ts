import { unprocessable } from '../../errors/fhir-error.js';
import { contentForStorage } from '../../store/resource-store.js';
import type { ResourceJson } from './types.js';

/** `\u0000` as JSON.stringify writes it, not preceded by an escaping backslash. */
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

/** FHIRPath-like location of the first string holding U+0000, for the issue. */
function nulAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const at = nulAt(v, `${path}[${i}]`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const at = nulAt(v, `${path}.${k}`);
      if (at !== undefined) return at;
    }
  }
  return undefined;
}

/**
 * The resource as stored (contentForStorage), refused with 422 when a string holds
 * U+0000: PostgreSQL's jsonb cannot store it, and FHIR strings SHOULD NOT carry
 * control characters anyway (https://hl7.org/fhir/R4/datatypes.html#string). Checked
 * on the serialised text (a native substring search), so clean resources pay nothing
 * measurable; the location is looked up only for the rare refusal.
 */
export function storableContent(resource: ResourceJson): string {
  const content = contentForStorage(resource);
  if (content.includes('\\u0000') && ESCAPED_NUL.test(content)) {
    const at = nulAt(resource, resource.resourceType) ?? resource.resourceType;
    throw unprocessable([{ severity: 'error', code: 'value', diagnostics: `${at}: strings may not contain the character U+0000`, expression: [at] }]);
  }
  return content;
}
