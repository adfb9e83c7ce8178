import type { Issue, IssueSeverity } from '../../errors/issue.js';
import type { ConformanceRegistry } from '../../terminology/registry.js';
import { TerminologyService } from '../../terminology/terminology-service.js';
import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../model/json-object.js';
import type { ValidateOptions, Validator } from './index.js';
import { dedupeIssues } from './issues.js';
import { StructureDefinitions } from './profile/definitions.js';
import { InstanceWalker, scopeOf, type Scope } from './profile/instance-walker.js';

/**
 * Full validation of a resource (https://hl7.org/fhir/R4/validation.html): the structural
 * fast path, then the R4 definitions' invariants, bindings, reference targets and
 * extensions, then every profile that applies: those in meta.profile, the ones this
 * deployment requires for the type, and any the caller asks for ($validate's `profile`).
 */

export interface ProfilePolicy {
  /** Severity of a meta.profile the server does not hold (https://hl7.org/fhir/R4/validation.html#profile). */
  readonly unknownProfile: 'warning' | 'error';
  /** resourceType → profiles every resource of that type must conform to. */
  readonly requiredProfiles: ReadonlyMap<string, readonly string[]>;
}

export const DEFAULT_POLICY: ProfilePolicy = { unknownProfile: 'warning', requiredProfiles: new Map() };

type Source = 'declared' | 'required' | 'requested';

export class ProfileValidator implements Validator {
  readonly definitions: StructureDefinitions;
  readonly terminology: TerminologyService;
  private readonly walker: InstanceWalker;

  constructor(
    private readonly structural: Validator,
    readonly registry: ConformanceRegistry,
    private readonly policy: ProfilePolicy = DEFAULT_POLICY,
  ) {
    this.definitions = new StructureDefinitions(registry);
    this.terminology = new TerminologyService(registry);
    this.walker = new InstanceWalker(this.definitions, this.terminology, (r, path, scope, issues) => this.nested(r, path, scope, issues));
  }

  validate(input: unknown, options: ValidateOptions = {}): Issue[] {
    const issues = this.structural.validate(input);
    if (!isJsonObject(input) || issues.some((i) => i.code === 'not-supported' || i.severity === 'fatal' || i.code === 'too-costly')) return issues;
    const type = stringProp(input, 'resourceType');
    if (type === undefined) return issues;
    try {
      const scope = scopeOf(input, undefined, false);
      this.walker.validateBase(input, type, scope, issues);
      this.profiles(input, type, options, scope, issues);
      if (type === 'StructureDefinition') this.snapshotProblems(input, issues);
    } catch (err: unknown) {
      if (err instanceof RangeError) return [...issues, { severity: 'error', code: 'too-costly', diagnostics: `Too large to validate: ${err.message}` }];
      // A validator fault on some input: reported on that input (422), not as a server error.
      const message = err instanceof Error ? err.message : String(err);
      return [...issues, { severity: 'error', code: 'exception', diagnostics: `Validation could not complete: ${message}` }];
    }
    return dedupeIssues(issues);
  }

  private profiles(resource: JsonObject, type: string, options: ValidateOptions, scope: Scope, issues: Issue[]): void {
    const wanted = new Map<string, Source>();
    const meta = resource['meta'];
    for (const p of isJsonObject(meta) ? arrayProp(meta, 'profile') : []) if (typeof p === 'string') wanted.set(p, 'declared');
    for (const p of this.policy.requiredProfiles.get(type) ?? []) wanted.set(p, 'required');
    for (const p of options.profiles ?? []) wanted.set(p, 'requested');
    for (const [url, source] of wanted) this.oneProfile(resource, type, url, source, scope, issues);
  }

  private oneProfile(resource: JsonObject, type: string, url: string, source: Source, scope: Scope, issues: Issue[]): void {
    const profile = this.definitions.profile(url);
    if (profile === undefined) {
      const severity: IssueSeverity = source === 'declared' ? this.policy.unknownProfile : 'error';
      const at = source === 'declared' ? [`${type}.meta.profile`] : undefined;
      const why = source === 'required' ? `required for every ${type} by this server's settings` : source === 'declared' ? 'declared in meta.profile' : 'requested';
      issues.push({ severity, code: 'not-supported', diagnostics: `The profile ${url} (${why}) is not known to this server`, ...(at === undefined ? {} : { expression: at }) });
      return;
    }
    if (profile.type !== type) {
      issues.push({ severity: 'error', code: 'invalid', diagnostics: `The profile ${url} is for ${profile.type}, not ${type}` });
      return;
    }
    this.walker.validateProfile(resource, type, profile, type, scope, issues);
  }

  /** Contained resources, Bundle entries, Parameters resources: their base rules and declared profiles. */
  private nested(resource: JsonObject, path: string, parent: Scope, issues: Issue[]): void {
    const type = stringProp(resource, 'resourceType');
    if (type === undefined || this.definitions.baseType(type) === undefined) return;
    const scope = scopeOf(resource, parent, /\.contained\[\d+\]$/.test(path));
    this.walker.validateBase(resource, path, scope, issues);
    const meta = resource['meta'];
    for (const url of isJsonObject(meta) ? arrayProp(meta, 'profile') : []) {
      if (typeof url !== 'string') continue;
      const profile = this.definitions.profile(url);
      if (profile?.type === type) this.walker.validateProfile(resource, type, profile, path, scope, issues);
    }
  }

  /** A profile posted without a snapshot must yield one (https://hl7.org/fhir/R4/profiling.html#snapshot). */
  private snapshotProblems(sd: JsonObject, issues: Issue[]): void {
    if (sd['derivation'] !== 'constraint' || isJsonObject(sd['snapshot'])) return;
    for (const problem of this.definitions.snapshotErrors(sd)) {
      issues.push({ severity: 'error', code: 'processing', diagnostics: `Cannot generate the snapshot: ${problem}`, expression: ['StructureDefinition.differential'] });
    }
  }
}
