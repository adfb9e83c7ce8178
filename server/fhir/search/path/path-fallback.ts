import fhirpath, { type Model } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import type { TypedValue } from '../../../store/search/rows.js';

/** FHIRPath system types as the FHIR primitive types extraction understands. */
const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  'System.Boolean': 'boolean',
  'System.String': 'string',
  'System.Integer': 'integer',
  'System.Decimal': 'decimal',
  'System.Date': 'date',
  'System.DateTime': 'dateTime',
  'System.Time': 'time',
  'System.Quantity': 'Quantity',
};

function plain(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && 'data' in v) return v.data;
  return fhirpath.resolveInternalTypes(v);
}

/**
 * An expression outside the subset path-parse.ts understands, compiled once
 * with fhirpath.js and the R4 model. Asynchronous functions (resolve()) are not
 * allowed: a custom parameter that needs them fails to compile here.
 */
// The package's R4 model typing predates exactOptionalPropertyTypes; the object is the model.
const R4_MODEL = r4 as unknown as Model;

export function compileFallback(expression: string): (resource: Record<string, unknown>) => TypedValue[] {
  const fn = fhirpath.compile(expression, R4_MODEL, { resolveInternalTypes: false });
  return (resource) => {
    const result = fn(resource) as unknown[];
    const types = fhirpath.types(result);
    return result.map((v, i) => {
      const t = types[i] ?? 'System.String';
      return { value: plain(v), type: SYSTEM_TYPES[t] ?? t.replace(/^FHIR\./, '') };
    });
  };
}
