import type { Issue } from '../../../errors/issue.js';
import { arrayProp, isJsonObject, stringProp } from '../../model/json-object.js';
import type { TerminologyService } from '../../../terminology/terminology-service.js';
import type { Binding } from './compiled-types.js';
import type { Item } from './items.js';

/**
 * Terminology bindings (https://hl7.org/fhir/R4/terminologies.html#strength): a `required`
 * binding is an error when no code of the element is in the value set; `extensible` is a
 * warning. When membership cannot be decided (the value set or the code's system is not held:
 * LOINC, SNOMED CT, RxNorm...), the code is accepted with a warning for a required binding.
 * Codings are also checked against the code systems the server holds in full.
 */

const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Count', 'Distance', 'Duration', 'Money', 'SimpleQuantity', 'MoneyQuantity']);

/** A code to look up: what a binding check reads of a Coding (its display is not checked). */
interface Code {
  readonly system: string | undefined;
  readonly code: string;
}

function coding(obj: unknown): Code | undefined {
  if (!isJsonObject(obj)) return undefined;
  const code = stringProp(obj, 'code');
  return code === undefined ? undefined : { system: stringProp(obj, 'system'), code };
}

/** The codes an item carries, or undefined for a type that carries none. */
function codingsOf(item: Item): Code[] | undefined {
  const v = item.value;
  switch (item.type) {
    case 'code':
    case 'string':
    case 'uri':
      return typeof v === 'string' ? [{ system: undefined, code: v }] : [];
    case 'Coding': {
      const c = coding(v);
      return c === undefined ? [] : [c];
    }
    case 'CodeableConcept': {
      const out: Code[] = [];
      if (!isJsonObject(v)) return out;
      for (const c of arrayProp(v, 'coding')) {
        const code = coding(c);
        if (code !== undefined) out.push(code);
      }
      return out;
    }
    default: {
      // A Quantity's `unit` is display text, not a display of the code.
      if (!QUANTITY_TYPES.has(item.type) || !isJsonObject(v)) return undefined;
      const c = coding(v);
      return c === undefined ? [] : [c];
    }
  }
}

function issue(severity: Issue['severity'], diagnostics: string, at: string): Issue {
  return { severity, code: 'code-invalid', diagnostics, expression: [at] };
}

export function checkBinding(svc: TerminologyService, binding: Binding, item: Item, issues: Issue[]): void {
  if (binding.strength !== 'required' && binding.strength !== 'extensible') return;
  const codings = codingsOf(item);
  if (codings === undefined) return;
  const required = binding.strength === 'required';
  if (codings.length === 0) {
    if (required && item.type === 'CodeableConcept') {
      issues.push(issue('error', `${item.path}: no code given, and a code from the value set ${binding.valueSet} is required`, item.path));
    }
    return;
  }
  let unknown: string | undefined;
  let notMember: string | undefined;
  for (const c of codings) {
    const m = svc.memberOf(binding.valueSet, c.system, c.code);
    if (m.kind === 'member') return;
    if (m.kind === 'unknown') unknown ??= m.reason;
    else notMember ??= m.reason;
  }
  if (unknown !== undefined) {
    if (required) issues.push(issue('warning', `${item.path}: accepted without checking: ${unknown}`, item.path));
    return;
  }
  const text = `${item.path}: ${notMember ?? 'no code is in the value set'} (${binding.strength} binding)`;
  issues.push(issue(required ? 'error' : 'warning', text, item.path));
}

/** A Coding whose system the server holds in full must name one of its codes. */
export function checkCodingSystem(svc: TerminologyService, item: Item, issues: Issue[]): void {
  if (item.type !== 'Coding' || !isJsonObject(item.value)) return;
  const system = stringProp(item.value, 'system');
  const code = stringProp(item.value, 'code');
  if (system === undefined || code === undefined) return;
  const r = svc.checkCode(system, code);
  if (r.kind === 'invalid') issues.push(issue('error', `${item.path}: ${r.reason}`, `${item.path}.code`));
}
