import { invalid } from '../errors/fhir-error.js';

/** `ETag: W/"n"` (https://hl7.org/fhir/R4/http.html#versioning). */
export const etag = (versionId: number): string => `W/"${versionId}"`;

/**
 * The version number in an If-Match / If-None-Match value: `W/"3"`, `"3"` or `3`. At most
 * nine digits: versions are PostgreSQL integers, and a longer number is no version we wrote.
 */
export function parseVersionTag(header: string | undefined, name: string): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (m?.[1] === undefined) throw invalid(`${name} must be a version tag such as W/"3" (got ${header})`);
  return Number(m[1]);
}
