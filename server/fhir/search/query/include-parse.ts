/**
 * `_include` / `_revinclude` values (https://hl7.org/fhir/R4/search.html#include):
 * `Type:param`, `Type:param:TargetType`, `Type:*` or `*`, with `:iterate`
 * (`:recurse` is read as iterate, as in STU3).
 */
import type { SearchContext } from './context.js';

export interface IncludeSpec {
  /** The referring type; undefined for `*` (every searched type). */
  readonly sourceType: string | undefined;
  /** A reference parameter of sourceType, or '*' for all of them. */
  readonly code: string;
  readonly targetType: string | undefined;
  readonly iterate: boolean;
}

function parseOne(
  name: string,
  value: string,
  ctx: SearchContext,
  ignore: (param: string, reason: string) => void,
): IncludeSpec | undefined {
  const iterate = name.endsWith(':iterate') || name.endsWith(':recurse');
  if (value === '*') return { sourceType: undefined, code: '*', targetType: undefined, iterate };
  const [sourceType = '', code = '', targetType] = value.split(':');
  if (!ctx.isResourceType(sourceType) || code === '') {
    ignore(name, `${name}=${value}: expected Type:parameter[:TargetType]`);
    return undefined;
  }
  if (code !== '*') {
    const p = ctx.registry.get(sourceType, code);
    if (p?.type !== 'reference') {
      ignore(name, `${name}=${value}: '${code}' is not a reference parameter of ${sourceType}`);
      return undefined;
    }
  }
  if (targetType !== undefined && !ctx.isResourceType(targetType)) {
    ignore(name, `${name}=${value}: '${targetType}' is not a resource type`);
    return undefined;
  }
  return { sourceType, code, targetType, iterate };
}

export function parseIncludes(
  params: readonly (readonly [string, string])[],
  _types: readonly string[],
  ctx: SearchContext,
  ignore: (param: string, reason: string) => void,
): { include: IncludeSpec[]; revinclude: IncludeSpec[] } {
  const include: IncludeSpec[] = [];
  const revinclude: IncludeSpec[] = [];
  for (const [name, value] of params) {
    const base = name.split(':')[0];
    if (base !== '_include' && base !== '_revinclude') continue;
    const modifier = name.slice(base.length + 1);
    if (modifier !== '' && modifier !== 'iterate' && modifier !== 'recurse') {
      ignore(name, `Unknown modifier on ${base}`);
      continue;
    }
    for (const v of value.split(',')) {
      const spec = parseOne(name, v, ctx, ignore);
      if (spec !== undefined) (base === '_include' ? include : revinclude).push(spec);
    }
  }
  return { include, revinclude };
}
