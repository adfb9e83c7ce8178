/**
 * Chained parameters (`subject:Patient.name=peter`, to any depth) and reverse
 * chaining (`_has:Observation:patient:code=1234`, nestable)
 * (https://hl7.org/fhir/R4/search.html#chaining, #has), and the dispatch of
 * one query parameter to its condition.
 */
import type { Condition } from '../../../store/search/condition.js';
import type { SearchContext } from './context.js';
import { paramCondition, resolveFor, UnknownParameter } from './param-condition.js';
import { bad } from './values.js';

const SPECIAL_INNER = new Set(['_id', '_lastUpdated', '_text', '_content', '_list']);

/** `name:modifier` → [name, modifier]. */
export function splitModifier(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

/** The first parameter name of a (possibly chained or modified) key. */
function leadingCode(key: string): string {
  return key.startsWith('_has:') ? '_has' : (/^[^.:]+/.exec(key)?.[0] ?? key);
}

async function chainCondition(types: readonly string[], head: string, rest: string, raw: string, ctx: SearchContext): Promise<Condition> {
  const [code, modifier] = splitModifier(head);
  const params = resolveFor(types, code, ctx);
  if (params.some((p) => p.type !== 'reference')) throw bad(head, 'only reference parameters can be chained');
  if (modifier !== undefined && !ctx.isResourceType(modifier)) throw bad(head, `':${modifier}' is not a resource type`);
  let targets: string[];
  if (modifier !== undefined) targets = [modifier];
  else {
    const all = new Set<string>();
    for (const p of params) for (const t of p.targetFilter !== undefined ? [p.targetFilter] : p.def.target) all.add(t);
    targets = [...all];
  }
  const next = leadingCode(rest);
  if (next !== '_has' && !SPECIAL_INNER.has(next)) targets = targets.filter((t) => ctx.registry.get(t, next) !== undefined);
  if (targets.length === 0) throw new UnknownParameter(`${head}.${rest}`, `No target of '${head}' has a search parameter '${next}'`);
  const inner = await criterion(targets, rest, raw, ctx);
  return { kind: 'chain', keys: params.map((p) => p.key), targetTypes: targets, inner: [inner] };
}

async function hasCondition(types: readonly string[], key: string, raw: string, ctx: SearchContext): Promise<Condition> {
  const m = /^_has:([A-Za-z]+):([^:]+):(.+)$/.exec(key);
  if (m === null) throw bad(key, '_has needs _has:Type:reference-parameter:parameter');
  const [, sourceType = '', refCode = '', rest = ''] = m;
  if (!ctx.isResourceType(sourceType)) throw bad(key, `'${sourceType}' is not a resource type`);
  const ref = ctx.registry.get(sourceType, refCode);
  if (ref === undefined) throw new UnknownParameter(key, `Unknown search parameter '${refCode}' for ${sourceType}`);
  if (ref.type !== 'reference') throw bad(key, `'${refCode}' is not a reference parameter of ${sourceType}`);
  const filter = ref.targetFilter;
  if (filter !== undefined && !types.includes(filter)) return { kind: 'none' };
  const inner = await criterion([sourceType], rest, raw, ctx);
  return { kind: 'has', sourceTypes: [sourceType], keys: [ref.key], inner: [inner], ...(filter === undefined ? {} : { targetTypes: [filter] }) };
}

/** One query parameter (`key=raw`) as a condition on resources of `types`. */
export function criterion(types: readonly string[], key: string, raw: string, ctx: SearchContext): Promise<Condition> {
  if (key.startsWith('_has:')) return hasCondition(types, key, raw, ctx);
  const dot = key.indexOf('.');
  if (dot > 0) return chainCondition(types, key.slice(0, dot), key.slice(dot + 1), raw, ctx);
  const [code, modifier] = splitModifier(key);
  return paramCondition(types, code, modifier, raw, ctx);
}
