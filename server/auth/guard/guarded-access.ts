import type { AuditAgent, AuditRecord } from '../../audit/audit-record.js';
import { AUDIT_LIST_LIMIT, AUDIT_TOPIC } from '../../audit/audit-record.js';
import { FhirError } from '../../errors/fhir-error.js';
import { isJsonObject, type JsonObject } from '../../fhir/model/json-object.js';
import type { WriteChange, WriteHook, WriteScope } from '../../fhir/repository/types.js';
import type { RequestAccess, SearchConstraint } from '../access.js';
import { compartmentPatients, patientCompartmentParams } from '../policy/compartment.js';
import { entryAccess } from '../policy/interactions.js';
import { canRead, canWrite, decide, isUnconstrained, type AccessDecision } from '../policy/policy.js';
import type { Principal } from '../policy/principal.js';
import type { Permission } from '../scopes/smart-scope.js';

/** What the guard knows about the request besides the principal. */
export interface RequestFacts {
  readonly baseUrl: string;
  readonly requestId: string;
  readonly address: string;
}

export function forbidden(message: string): FhirError {
  return new FhirError('forbidden', message);
}

/** Full access: `*` with every permission and no restriction (system clients, or an admin's user/ scope). */
export function isSuperuser(p: Principal): boolean {
  return p.scopes.some(
    (s) =>
      s.resourceType === '*' &&
      s.permissions.size === 5 &&
      s.restrictions.length === 0 &&
      ((s.context === 'system' && p.kind === 'system') || (s.context === 'user' && p.role === 'admin')),
  );
}

const WRITE_INTERACTIONS = new Set(['create', 'update', 'patch', 'delete']);

/** The principal's part of an audit agent, built once per principal (the token verifier caches principals). */
const AGENTS = new WeakMap<Principal, AuditAgent>();

function principalAgent(p: Principal): AuditAgent {
  let agent = AGENTS.get(p);
  if (agent === undefined) {
    agent = {
      kind: p.kind,
      clientId: p.clientId,
      tokenHash: p.tokenHash,
      ...(p.subject === undefined ? {} : { userId: p.subject }),
      ...(p.username === undefined ? {} : { username: p.username }),
      ...(p.fhirUser === undefined ? {} : { fhirUser: p.fhirUser }),
      ...(p.role === undefined ? {} : { role: p.role }),
    };
    AGENTS.set(p, agent);
  }
  return agent;
}

/**
 * The RequestAccess of an authenticated request (AUTH_MODE=smart): asks the
 * pure policy, remembers what was disclosed for the audit record, and checks
 * every write inside its transaction.
 */
export class GuardedAccess implements RequestAccess {
  readonly writeHook: WriteHook;
  /** The route's interaction (set by the route guard). */
  interaction = 'unknown';
  /** Patients whose data was disclosed or written. */
  readonly patients = new Set<string>();
  /** Resources disclosed (for the audit record). */
  readonly resources: string[] = [];
  /** Writes recorded by the hook (their audit records are already in the transaction). */
  writes = 0;
  /** Bundle entries checked with authorizeEntry. */
  entryChecks = 0;
  private wasScreened = false;

  constructor(
    readonly principal: Principal,
    private readonly facts: RequestFacts,
  ) {
    this.writeHook = (change, scope) => this.onWrite(change, scope);
  }

  get screenedByRoute(): boolean {
    return this.wasScreened;
  }

  decide(permission: Permission, resourceType: string): AccessDecision {
    return decide(this.principal, permission, resourceType);
  }

  authorize(permission: Permission, resourceType: string): void {
    const d = decide(this.principal, permission, resourceType);
    if (!d.allowed) throw forbidden(d.reason);
  }

  /** For system-level interactions (no type in the URL): some type must allow the permission. */
  authorizeAny(permission: Permission): void {
    const granted = this.principal.scopes.some((s) => s.permissions.has(permission));
    if (!granted) throw forbidden(`The granted scopes allow no ${permission === 's' ? 'search' : 'access'} at system level`);
  }

  authorizeEntry(method: string, url: string): void {
    this.entryChecks += 1;
    const { resourceType, permission } = entryAccess(method, url);
    if (permission === undefined) throw forbidden(`Bundle entry ${method} ${url}: method not allowed`);
    if (resourceType === undefined) this.authorizeAny(permission);
    else this.authorize(permission, resourceType);
  }

  disclose(resource: JsonObject): boolean {
    const base = this.facts.baseUrl;
    const ok = canRead(this.principal, resource, base, 'r') || canRead(this.principal, resource, base, 's');
    if (ok) this.remember(resource);
    return ok;
  }

  private remember(resource: JsonObject): void {
    for (const p of compartmentPatients(resource, this.facts.baseUrl)) this.patients.add(p);
    const type = resource['resourceType'];
    const id = resource['id'];
    if (typeof type === 'string' && typeof id === 'string' && this.resources.length < AUDIT_LIST_LIMIT) {
      const meta = resource['meta'];
      const v = isJsonObject(meta) && typeof meta['versionId'] === 'string' ? `/_history/${meta['versionId']}` : '';
      this.resources.push(`${type}/${id}${v}`);
    }
  }

  searchConstraint(resourceType: string): SearchConstraint {
    const d = decide(this.principal, 's', resourceType);
    if (!d.allowed) return { kind: 'none', reason: d.reason };
    if (isUnconstrained(d)) return { kind: 'all' };
    return {
      kind: 'some',
      alternatives: d.alternatives.map((a) => ({
        ...(a.patient === undefined ? {} : { patient: a.patient }),
        patientParams: a.patient === undefined ? [] : resourceType === 'Patient' ? ['_id', 'link'] : patientCompartmentParams(resourceType),
        restrictions: a.restrictions,
      })),
    };
  }

  screened(): void {
    this.wasScreened = true;
  }

  agent(): AuditAgent {
    const a = principalAgent(this.principal);
    return this.facts.address === '' ? a : { ...a, address: this.facts.address };
  }

  /** The audit record of this request's reads (or of its failure). */
  record(action: AuditRecord['action'], outcome: AuditRecord['outcome'], extra: Partial<AuditRecord> = {}): AuditRecord {
    return {
      kind: this.interaction.startsWith('operation:') ? 'operation' : 'rest',
      recorded: new Date().toISOString(),
      action,
      outcome,
      interaction: this.interaction.startsWith('operation:') ? `$${this.interaction.slice(10)}` : this.interaction,
      agent: this.agent(),
      resources: this.resources,
      patients: [...this.patients].slice(0, AUDIT_LIST_LIMIT),
      requestId: this.facts.requestId,
      ...extra,
    };
  }

  private async version(scope: WriteScope, type: string, id: string, versionId: number): Promise<JsonObject | undefined> {
    if (versionId < 1) return undefined;
    const v = await scope.version(type, id, versionId);
    if (v?.json == null) return undefined;
    const parsed: unknown = JSON.parse(v.json);
    return isJsonObject(parsed) ? parsed : undefined;
  }

  /** Inside the write's transaction: check the replaced and the new version, then add the audit record. */
  private async onWrite(change: WriteChange, scope: WriteScope): Promise<void> {
    const p = this.principal;
    const base = this.facts.baseUrl;
    const type = change.resourceType;
    let previous: JsonObject | undefined;
    let next: JsonObject | undefined;
    let action: 'C' | 'U' | 'D';
    let decision: AccessDecision;
    if (change.kind === 'written') {
      next = change.resource;
      if (change.created) {
        action = 'C';
        // SMART: an update that creates (upsert) is allowed by the update scope, too.
        const asCreate = canWrite(p, 'c', type, undefined, next, base);
        const asUpdate = asCreate.allowed ? asCreate : canWrite(p, 'u', type, undefined, next, base);
        // Refused both ways: the create's reason is the one that names what was asked.
        decision = asUpdate.allowed ? asUpdate : asCreate;
      } else {
        action = 'U';
        if (!isUnconstrained(decide(p, 'u', type))) previous = await this.version(scope, type, change.id, change.versionId - 1);
        decision = canWrite(p, 'u', type, previous, next, base);
      }
    } else {
      action = 'D';
      previous = await this.version(scope, type, change.id, change.versionId - 1);
      decision = canWrite(p, 'd', type, previous, undefined, base);
    }
    if (!decision.allowed) throw forbidden(decision.reason);
    this.writes += 1;
    const patients = new Set([...(previous === undefined ? [] : compartmentPatients(previous, base)), ...(next === undefined ? [] : compartmentPatients(next, base))]);
    const interaction = WRITE_INTERACTIONS.has(this.interaction) ? this.interaction : action === 'C' ? 'create' : action === 'U' ? 'update' : 'delete';
    const record: AuditRecord = {
      kind: 'rest',
      recorded: new Date().toISOString(),
      action,
      outcome: '0',
      interaction,
      agent: this.agent(),
      resources: [`${type}/${change.id}/_history/${change.versionId}`],
      patients: [...patients],
      requestId: this.facts.requestId,
    };
    await scope.enqueue(AUDIT_TOPIC, [record]);
  }
}
