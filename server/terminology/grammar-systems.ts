import fhirpath from 'fhirpath';

/**
 * Code systems defined by a grammar rather than a list, which the R4 package references but
 * cannot enumerate (https://hl7.org/fhir/R4/terminologies-systems.html). Their codes are
 * checked by syntax (or by a library that knows the grammar), so bindings to them
 * (Attachment.contentType, Resource.language, Money.currency, Quantity units) can be checked.
 */

type CodeCheck = (code: string) => boolean;

/**
 * RFC 6838 type/subtype, then parameters read leniently (BCP 13,
 * https://hl7.org/fhir/R4/valueset-mimetypes.html): the spec's own examples carry unquoted
 * parameter values with spaces (`application/dicom; variant=DICOM STOW-RS`).
 */
const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=.*)?$/;

function bcp47(code: string): boolean {
  try {
    return Intl.getCanonicalLocales(code).length === 1;
  } catch {
    return false;
  }
}

let currencies: ReadonlySet<string> | undefined;

/** ISO 4217 codes as known to the ICU data that ships with Node.js. */
function iso4217(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

const ucumCache = new Map<string, boolean>();

/** UCUM (https://ucum.org) through the UCUM library that fhirpath.js bundles. */
function ucum(code: string): boolean {
  let ok = ucumCache.get(code);
  if (ok === undefined) {
    const utils = fhirpath.ucumUtils as { validateUnitString(code: string, suggest: boolean): { status: string } };
    try {
      ok = utils.validateUnitString(code, false).status === 'valid';
    } catch {
      ok = false;
    }
    if (ucumCache.size < 10_000) ucumCache.set(code, ok);
  }
  return ok;
}

/**
 * `xml`, `json` and `ttl` stand for the FHIR formats where R4 takes a mime type: "xml, json and
 * ttl are allowed" (CapabilityStatement.format, https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.format;
 * the `_format` shorthands of https://hl7.org/fhir/R4/http.html#mime-type).
 */
const FORMAT_SHORTHANDS = new Set(['xml', 'json', 'ttl']);

const GRAMMARS: ReadonlyMap<string, CodeCheck> = new Map<string, CodeCheck>([
  ['urn:ietf:bcp:13', (c) => MIME.test(c) || FORMAT_SHORTHANDS.has(c)],
  ['urn:ietf:bcp:47', bcp47],
  ['urn:iso:std:iso:4217', iso4217],
  ['http://unitsofmeasure.org', ucum],
]);

/** A checker for a grammar-based code system, if the server knows its grammar. */
export function grammarOf(system: string): CodeCheck | undefined {
  return GRAMMARS.get(system);
}

/**
 * Large external code systems the server does not hold
 * (https://hl7.org/fhir/R4/terminologies-systems.html): codes from them are accepted with a
 * warning unless a held value set enumerates them.
 */
export const EXTERNAL_SYSTEMS: ReadonlyMap<string, string> = new Map([
  ['http://loinc.org', 'LOINC'],
  ['http://snomed.info/sct', 'SNOMED CT'],
  ['http://www.nlm.nih.gov/research/umls/rxnorm', 'RxNorm'],
  ['http://hl7.org/fhir/sid/icd-10', 'ICD-10'],
  ['http://hl7.org/fhir/sid/icd-10-cm', 'ICD-10-CM'],
  ['http://hl7.org/fhir/sid/cvx', 'CVX'],
  ['http://hl7.org/fhir/sid/ndc', 'NDC'],
  ['http://www.ama-assn.org/go/cpt', 'CPT'],
]);
