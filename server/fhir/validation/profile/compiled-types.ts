import type { IssueSeverity } from '../../../errors/issue.js';

/**
 * A StructureDefinition snapshot compiled into a tree that the walker follows along the
 * instance (https://hl7.org/fhir/R4/profiling.html). Built once per definition and cached.
 */

export interface TypeRef {
  /** `string`, `Quantity`, `Reference`, `BackboneElement`, `Resource`... */
  readonly code: string;
  /** Profiles the value must conform to (type.profile): one of them. */
  readonly profiles: readonly string[];
  /** For Reference / canonical: allowed targets (type.targetProfile). */
  readonly targetProfiles: readonly string[];
}

export interface Binding {
  readonly strength: 'required' | 'extensible' | 'preferred' | 'example';
  readonly valueSet: string;
}

/** A FHIRPath invariant (ElementDefinition.constraint, https://hl7.org/fhir/R4/conformance-rules.html#constraints). */
export interface CompiledConstraint {
  readonly key: string;
  readonly severity: IssueSeverity;
  readonly human: string;
  readonly expression: string;
  /** True when the invariant holds; throws when it cannot be evaluated. */
  readonly test: (value: unknown, env: InvariantEnv) => boolean;
}

export interface InvariantEnv {
  /** The resource the element belongs to (%resource). */
  readonly resource: unknown;
  /** The containing resource of a contained one, else the resource itself (%rootResource). */
  readonly rootResource: unknown;
}

export interface Discriminator {
  readonly type: 'value' | 'pattern' | 'type' | 'profile' | 'exists';
  readonly path: string;
}

export interface Slicing {
  readonly discriminators: readonly Discriminator[];
  readonly rules: 'open' | 'closed' | 'openAtEnd';
  readonly ordered: boolean;
}

export interface CompiledElement {
  /** ElementDefinition.id, e.g. `Observation.component:SystolicBP.code`. */
  readonly id: string;
  /** ElementDefinition.path, e.g. `Observation.component.code`. */
  readonly path: string;
  /** The FHIRPath name: `value` for `value[x]`. */
  readonly name: string;
  readonly min: number;
  /** `Infinity` for `*`. */
  readonly max: number;
  readonly types: readonly TypeRef[];
  readonly choice: boolean;
  /** fixed[x] (exact) or pattern[x] (the instance must contain it). */
  readonly fixed?: unknown;
  readonly pattern?: unknown;
  readonly binding?: Binding;
  readonly constraints: readonly CompiledConstraint[];
  /** Child elements by FHIRPath name (filled in after construction). */
  readonly children: Map<string, CompiledElement>;
  readonly slicing?: Slicing;
  readonly slices: CompiledElement[];
  readonly sliceName?: string;
  /** `#Questionnaire.item`: takes its children from that element. */
  readonly contentReference?: string;
  /** True for the root element of a resource or type definition. */
  readonly isRoot: boolean;
}

export interface CompiledProfile {
  readonly url: string;
  /** The type it constrains (StructureDefinition.type). */
  readonly type: string;
  /** constraint (a profile) or specialization (a base type). */
  readonly derivation: 'constraint' | 'specialization';
  readonly root: CompiledElement;
  /** Every element by id, for contentReference and discriminator look-ups. */
  readonly byId: ReadonlyMap<string, CompiledElement>;
}
