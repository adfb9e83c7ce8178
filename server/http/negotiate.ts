import { FhirError } from '../errors/fhir-error.js';

/** The response media type we send; FHIR JSON in both of its spellings. */
export type Format = 'application/fhir+json' | 'application/json';

const FORMAT_ALIASES: Readonly<Record<string, Format>> = {
  json: 'application/fhir+json',
  'application/fhir+json': 'application/fhir+json',
  'application/json+fhir': 'application/fhir+json',
  'application/json': 'application/json',
};

function mediaType(range: string): string {
  return (range.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * The response format from `_format` (which wins) or `Accept`
 * (https://hl7.org/fhir/R4/http.html#mime-type). XML and anything else we cannot
 * produce is 406, never a silent JSON answer to an XML client.
 */
export function responseFormat(formatParam: string | undefined, accept: string | undefined): Format {
  if (formatParam !== undefined) {
    const f = FORMAT_ALIASES[mediaType(formatParam)];
    if (f === undefined) throw new FhirError('notAcceptable', `_format '${formatParam}' is not supported; use json`);
    return f;
  }
  if (accept === undefined || accept.trim() === '') return 'application/fhir+json';
  const ranges = accept.split(',').map(mediaType);
  for (const r of ranges) {
    const f = FORMAT_ALIASES[r];
    if (f !== undefined) return f;
    if (r === '*/*' || r === 'application/*' || r.endsWith('+json')) return 'application/fhir+json';
  }
  throw new FhirError('notAcceptable', `None of the accepted media types (${accept}) can be produced; use application/fhir+json`);
}

export type BodyKind = 'resource' | 'json-patch';

/** The kind of a request body from its Content-Type; anything unknown is 415. */
export function requestBodyKind(contentType: string | undefined, allowJsonPatch: boolean): BodyKind {
  const t = mediaType(contentType ?? '');
  if (t === 'application/fhir+json' || t === 'application/json' || t === 'application/json+fhir') return 'resource';
  if (allowJsonPatch && t === 'application/json-patch+json') return 'json-patch';
  throw new FhirError(
    'unsupportedMediaType',
    `Content-Type '${contentType ?? ''}' is not supported; send application/fhir+json${allowJsonPatch ? ' or application/json-patch+json' : ''}`,
  );
}
