import type { ConformanceRows } from '../../terminology/conformance-cache.js';
import { ConformanceCache } from '../../terminology/conformance-cache.js';
import { createRegistry } from '../../terminology/shipped-layer.js';
import type { ConformanceRegistry } from '../../terminology/registry.js';
import type { TerminologyService } from '../../terminology/terminology-service.js';
import type { Validator } from './index.js';
import { DEFAULT_POLICY, ProfileValidator, type ProfilePolicy } from './profile-validator.js';
import { manyValidator, type ManyValidator } from './threads/many-validator.js';
import type { ValidationThreads } from './threads/validation-threads.js';

/**
 * What one server process knows of conformance resources, shared by the write path,
 * $validate and the terminology operations: the registry (R4 package, what we ship, what was
 * written to the database), full validation over it, terminology over it, and the cache that
 * keeps the database part fresh.
 */
export interface Conformance {
  readonly registry: ConformanceRegistry;
  /** Structural + profile validation (the Validator every write goes through). */
  readonly validator: ProfileValidator;
  /** The same validation for runs of resources (Bundles' plain creates), on the validation threads when there are any. */
  readonly many: ManyValidator;
  readonly terminology: TerminologyService;
  /** Before using the registry: reload what the database holds if it changed (cheap otherwise). */
  ensureFresh(): Promise<void>;
  /** After a committed write, with the resource types written. */
  written(types: Iterable<string>): void;
}

export interface ConformanceOptions {
  readonly refreshMs: number;
  readonly policy?: ProfilePolicy;
  /** VALIDATION_THREADS: kept in step with what the database holds, like the registry. */
  readonly threads?: ValidationThreads | undefined;
}

export function createConformance(structural: Validator, rows: ConformanceRows, options: ConformanceOptions): Conformance {
  const registry = createRegistry();
  const validator = new ProfileValidator(structural, registry, options.policy ?? DEFAULT_POLICY);
  const cache = new ConformanceCache(registry, rows, options.refreshMs);
  const { threads } = options;
  if (threads !== undefined) cache.onReload((resources) => threads.setRuntime(resources));
  return {
    registry,
    validator,
    many: manyValidator(validator, threads),
    terminology: validator.terminology,
    ensureFresh: () => cache.ensureFresh(),
    written: (types) => cache.written(types),
  };
}

/**
 * `Patient=https://x/StructureDefinition/a,Appointment=https://x/...`: the setting
 * VALIDATION_REQUIRED_PROFILES read into a map (a type may be listed several times).
 */
export function parseRequiredProfiles(setting: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (setting === null || setting.trim() === '') return out;
  for (const part of setting.split(/[,\s]+/).filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    const type = part.slice(0, eq);
    const url = part.slice(eq + 1);
    if (eq <= 0 || !/^[A-Z][A-Za-z]+$/.test(type) || !/^[a-z][a-z0-9+.-]*:\S+$/.test(url)) {
      throw new Error(`VALIDATION_REQUIRED_PROFILES: '${part}' is not ResourceType=canonical-url`);
    }
    out.set(type, [...(out.get(type) ?? []), url]);
  }
  return out;
}
