import r4model from 'fhirpath/fhir-context/r4';

/**
 * The JSON suffixes of R4's open type list (https://hl7.org/fhir/R4/datatypes.html#open):
 * the types an open choice element such as `Parameters.parameter.value[x]` or
 * `Extension.value[x]` can take, `Boolean` … `Meta`, as fhirpath.js's R4 model lists them.
 */
export const OPEN_TYPE_SUFFIXES: ReadonlySet<string> = new Set(r4model.choiceTypePaths['Parameters.parameter.value'] ?? []);
