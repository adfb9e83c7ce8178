import { randomBytes } from 'node:crypto';
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { Role } from '../policy/roles.js';

/**
 * SMART launch context (scopes-and-launch-context.html#launch-context-arrives-with-your-access_token),
 * kept through the oidc-provider adapter so it lives in PostgreSQL with the rest:
 *
 * - an EHR launch (`POST /auth/launch`) stores a `SmartLaunch` under a random
 *   `launch` value that the app passes back in its authorization request;
 * - consent stores a `SmartContext` per grant: the patient / encounter chosen,
 *   the user's role, and the full granted scope. Every token issued from the
 *   grant (refreshes included) carries it.
 */
export interface LaunchContext {
  readonly patient?: string;
  readonly encounter?: string;
  /** Relative references (`DiagnosticReport/1`) of other context resources. */
  readonly fhirContext?: readonly string[];
  readonly need_patient_banner?: boolean;
  readonly smart_style_url?: string;
  readonly intent?: string;
}

export interface GrantContext extends LaunchContext {
  /** Every scope granted (OpenID and launch scopes included), as the token response reports it. */
  readonly scope: string;
  readonly role: Role;
  readonly username: string;
  /** The user's resource, relative (`Practitioner/1`). */
  readonly fhirUser: string;
  /** For the patient role: the user's own Patient. */
  readonly ownPatient?: string;
}

function contextOf(payload: AdapterPayload | undefined): object | undefined {
  const v = payload?.['context'];
  return typeof v === 'object' && v !== null ? v : undefined;
}

export class SmartContextStore {
  private readonly launches: Adapter;
  private readonly grants: Adapter;

  constructor(Adapter: AdapterConstructor) {
    this.launches = new Adapter('SmartLaunch');
    this.grants = new Adapter('SmartContext');
  }

  /** Stores an EHR launch context; returns the opaque `launch` value. */
  async createLaunch(context: LaunchContext, ttlSeconds: number): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    await this.launches.upsert(id, { context }, ttlSeconds);
    return id;
  }

  async findLaunch(id: string): Promise<LaunchContext | undefined> {
    if (!/^[A-Za-z0-9_-]{10,100}$/.test(id)) return undefined;
    return contextOf((await this.launches.find(id)) ?? undefined);
  }

  async saveGrantContext(grantId: string, context: GrantContext, ttlSeconds: number): Promise<void> {
    await this.grants.upsert(grantId, { grantId, context }, ttlSeconds);
  }

  async grantContext(grantId: string): Promise<GrantContext | undefined> {
    return contextOf((await this.grants.find(grantId)) ?? undefined) as GrantContext | undefined;
  }
}
