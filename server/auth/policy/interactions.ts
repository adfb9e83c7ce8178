import type { Permission } from '../scopes/smart-scope.js';

/**
 * The SMART permission each FHIR interaction needs
 * (scopes-and-launch-context.html#scopes-for-requesting-clinical-data):
 * `r` read, vread and instance history; `s` search and type/system history;
 * `c` create; `u` update (including update-as-create) and patch; `d` delete.
 * Bundles need nothing themselves: each entry is checked as its own interaction
 * ("batch and transaction requests should be validated based on the actual
 * requests within them"). The capability statement is public.
 */
export type InteractionRule = Permission | 'entries' | 'public';

const RULES: Readonly<Record<string, InteractionRule>> = {
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  'history-type': 's',
  'history-system': 's',
  search: 's',
  'search-type': 's',
  'search-system': 's',
  'search-compartment': 's',
  create: 'c',
  update: 'u',
  patch: 'u',
  delete: 'd',
  batch: 'entries',
  transaction: 'entries',
  'batch-transaction': 'entries',
  capabilities: 'public',
};

/** The rule for an interaction name; undefined for names this table does not know (the guard then fails closed). */
export function interactionRule(interaction: string): InteractionRule | undefined {
  return Object.hasOwn(RULES, interaction) ? RULES[interaction] : undefined;
}

/**
 * The resource type and permission of a Bundle entry, from its request method
 * and URL (http.html#transaction): `Type/id...` reads are `r`, type-level GETs
 * (search, history) and `_search` POSTs are `s`.
 */
export function entryAccess(method: string, url: string): { resourceType: string | undefined; permission: Permission | undefined } {
  const path = url.split('?')[0] ?? '';
  const segments = path.replace(/^\/+/, '').split('/').filter((s) => s !== '');
  const resourceType = segments[0] !== undefined && /^[A-Z][A-Za-z]+$/.test(segments[0]) ? segments[0] : undefined;
  const hasId = segments.length >= 2 && segments[1] !== '_history' && segments[1] !== '_search';
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return { resourceType, permission: hasId ? 'r' : 's' };
    case 'POST':
      return { resourceType, permission: segments[1] === '_search' ? 's' : 'c' };
    case 'PUT':
    case 'PATCH':
      return { resourceType, permission: 'u' };
    case 'DELETE':
      return { resourceType, permission: 'd' };
    default:
      return { resourceType, permission: undefined };
  }
}
