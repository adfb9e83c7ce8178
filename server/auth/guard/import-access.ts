import { AUDIT_TOPIC, type AuditRecord } from '../../audit/audit-record.js';
import type { ImportAccessFactory } from '../../import/import-worker.js';
import { principalFromJson } from '../policy/import-policy.js';
import type { Pool } from '../../store/db.js';
import { withdrawnReason } from '../store/submitter-check.js';
import { GuardedAccess } from './guarded-access.js';

/**
 * The access of a running `$import` job (AUTH_MODE=smart): the submitter's grant as
 * stored at intake, in a GuardedAccess like the one of their request, so each entry
 * is authorized and each write checked and audited (with the submission's request
 * id) exactly as for `POST /fhir`. Before each chunk the worker asks `withdrawn()`:
 * once the client is removed, the user disabled or the grant revoked, the rest of
 * the job is refused line by line (403, with the reason).
 */
export function importAccess(baseUrl: string, pool: Pool): ImportAccessFactory {
  return (stored, requestId) => {
    // A job stored without a principal (submitted with AUTH_MODE=none) gets no scopes: every entry is refused.
    const principal = principalFromJson(stored) ?? { kind: 'system', clientId: 'unknown', scopes: [], tokenHash: 'none', expiresAt: 0 };
    const access = new GuardedAccess(principal, { baseUrl, requestId, address: '' });
    access.interaction = 'operation:import';
    return {
      entries: access,
      withdrawn: () => withdrawnReason(pool, principal),
      completed(jobId, totals) {
        // A manifest file that could not be fetched fails without lines to count: it is a failure all the same.
        const failedFiles = totals.failures.filter((f) => f.url !== undefined && f.line === undefined).length;
        const files = failedFiles > 0 ? `, ${String(failedFiles)} file(s) not fetched` : '';
        const record: AuditRecord = {
          ...access.record('E', totals.failed > 0 || failedFiles > 0 ? '4' : '0'),
          description: `$import job ${jobId} finished: ${String(totals.loaded)} loaded, ${String(totals.skipped)} skipped, ${String(totals.failed)} failed${files}`,
        };
        return { topic: AUDIT_TOPIC, payload: record };
      },
    };
  };
}
