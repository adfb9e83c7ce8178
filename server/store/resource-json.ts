/**
 * Stored content omits `resourceType` (it is a column); it goes back in first,
 * where FHIR JSON readers expect it (https://hl7.org/fhir/R4/json.html).
 * Its own module so that the search store can use it without an import cycle.
 */
export function withResourceType(resourceType: string, contentJson: string): string {
  return `{"resourceType":${JSON.stringify(resourceType)},${contentJson.slice(1)}`;
}
