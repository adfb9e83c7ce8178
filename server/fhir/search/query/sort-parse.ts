/** `_sort=a,-b` (https://hl7.org/fhir/R4/search.html#sort): several keys, `-` for descending. */
import type { IndexTable } from '../../../store/search/condition.js';
import type { SortSpec } from '../../../store/search/search-sql.js';
import type { ParamType } from '../definitions/search-parameter.js';
import type { SearchContext } from './context.js';
import { resolveFor, UnknownParameter } from './param-condition.js';
import { bad } from './values.js';

const SORT_TABLE: Readonly<Partial<Record<ParamType, IndexTable>>> = {
  token: 'token',
  string: 'string',
  date: 'date',
  number: 'number',
  quantity: 'quantity',
  reference: 'reference',
  uri: 'uri',
};

export function parseSort(
  raw: string | undefined,
  types: readonly string[],
  ctx: SearchContext,
  ignore: (param: string, reason: string) => void,
): SortSpec[] {
  if (raw === undefined || raw === '') return [];
  const out: SortSpec[] = [];
  for (const item of raw.split(',')) {
    const desc = item.startsWith('-');
    const code = desc ? item.slice(1) : item;
    if (code === '_id' || code === '_lastUpdated') {
      out.push({ kind: 'column', column: code === '_id' ? 'id' : 'last_updated', desc });
      continue;
    }
    try {
      const params = resolveFor(types, code, ctx);
      const first = params[0];
      const table = first === undefined ? undefined : SORT_TABLE[first.type];
      if (first === undefined || table === undefined || first.source !== 'index') throw bad('_sort', `cannot sort by '${code}'`);
      const filters = params.map((p) => p.targetFilter).filter((f): f is string => f !== undefined);
      out.push({ kind: 'index', table, keys: params.map((p) => p.key), desc, ...(filters.length > 0 ? { targetTypes: filters } : {}) });
    } catch (err) {
      if (!(err instanceof UnknownParameter)) throw err;
      ignore('_sort', `Unknown sort parameter '${code}'`);
    }
  }
  return out;
}
