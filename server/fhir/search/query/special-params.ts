/**
 * Parameters answered without index rows of their own
 * (https://hl7.org/fhir/R4/search.html#all): `_id` and `_lastUpdated` from the
 * resource row, `_text` / `_content` from full-text rows, `_list` through the
 * List's `item` reference rows.
 */
import type { Condition } from '../../../store/search/condition.js';
import type { SearchContext } from './context.js';
import { alternatives, bad, parseDate, unescape } from './values.js';

function noModifier(code: string, modifier: string | undefined): void {
  if (modifier !== undefined) throw bad(`${code}:${modifier}`, `modifier ':${modifier}' is not supported on ${code}`);
}

export function specialCondition(types: readonly string[], code: string, modifier: string | undefined, raw: string, ctx: SearchContext): Condition | undefined {
  switch (code) {
    case '_id': {
      const ids = alternatives(code, raw).map(unescape);
      if (modifier === 'not') return { kind: 'not', inner: { kind: 'id', ids } };
      noModifier(code, modifier);
      return { kind: 'id', ids };
    }
    case '_lastUpdated':
      noModifier(code, modifier);
      return { kind: 'lastUpdated', values: alternatives(code, raw).map((v) => parseDate(code, v)) };
    case '_text':
    case '_content':
      noModifier(code, modifier);
      return { kind: 'text', textKind: code === '_text' ? 'narrative' : 'content', queries: alternatives(code, raw).map(unescape) };
    case '_list': {
      noModifier(code, modifier);
      const ids = alternatives(code, raw).map(unescape);
      const functional = ids.find((i) => i.startsWith('$'));
      if (functional !== undefined) throw bad(code, `functional list '${functional}' is not supported`);
      const item = ctx.registry.get('List', 'item');
      if (item === undefined) throw bad(code, 'List.item is not searchable');
      return { kind: 'list', listIds: ids, itemKey: item.key };
    }
    default:
      return types.length === 0 ? { kind: 'none' } : undefined;
  }
}
