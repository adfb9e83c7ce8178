/**
 * Rules on primitive values that the JSON schema's regexes cannot express
 * (https://hl7.org/fhir/R4/datatypes.html#primitive). The schema has already checked the
 * JSON type and the lexical form, so each rule only looks at values of the right JS type
 * and returns a problem description, or undefined when the value is fine.
 */

export type PrimitiveRule = (value: unknown) => string | undefined;

const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** "Dates SHALL be valid dates": the regex accepts 2023-02-30, the calendar does not. */
function realDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_PREFIX.exec(value);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return undefined; // the regex reports this one
  return day <= daysInMonth(year, month) ? undefined : `'${value}' is not a valid calendar date`;
}

/**
 * integer is a signed 32-bit value; positiveInt is >= 1, unsignedInt >= 0
 * (https://hl7.org/fhir/R4/datatypes.html#integer). The schema types them as JSON
 * numbers, which lets 1.5 and -3 through.
 */
function integerIn(min: number, label: string): PrimitiveRule {
  return (value) => {
    if (typeof value !== 'number') return undefined;
    if (!Number.isInteger(value)) return `${value} is not an integer`;
    if (value < min || value > 2147483647) return `${value} is out of range for ${label}`;
    return undefined;
  };
}

/**
 * base64Binary: the R4 regex `(\s*([0-9a-zA-Z\+/=]){4}\s*)+` (https://hl7.org/fhir/R4/datatypes.html#base64Binary),
 * as a linear scan: a regex engine runs out of backtracking stack on megabytes of data, and
 * attachments are that big. The JSON schema does not check it.
 */
function base64(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let symbols = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isSymbol =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
    if (isSymbol) symbols++;
    else if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return `not base64: unexpected character at position ${i}`;
  }
  return symbols > 0 && symbols % 4 === 0 ? undefined : 'not base64: the length must be a non-zero multiple of 4';
}

/** xhtml has no JSON type in the schema; json.html says it is a JSON string. */
function xhtmlString(value: unknown): string | undefined {
  return typeof value === 'string' ? undefined : 'xhtml content must be a JSON string';
}

export const PRIMITIVE_RULES: ReadonlyMap<string, PrimitiveRule> = new Map<string, PrimitiveRule>([
  ['date', realDate],
  ['dateTime', realDate],
  ['instant', realDate],
  ['integer', integerIn(-2147483648, 'integer')],
  ['positiveInt', integerIn(1, 'positiveInt')],
  ['unsignedInt', integerIn(0, 'unsignedInt')],
  ['xhtml', xhtmlString],
  ['base64Binary', base64],
]);
