/** `Prefer: return=...` (https://hl7.org/fhir/R4/http.html#ops). */
export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

export function returnPreference(prefer: string | undefined): ReturnPreference {
  if (prefer === undefined) return 'representation';
  for (const part of prefer.split(/[,;]/)) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k?.toLowerCase() === 'return') {
      const value = v?.replace(/"/g, '');
      if (value === 'minimal' || value === 'OperationOutcome' || value === 'representation') return value;
    }
  }
  return 'representation';
}
