import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuditWriter } from '../../audit/audit-writer.js';
import type { Repository } from '../../fhir/repository/repository.js';
import { describeScope } from '../scopes/describe.js';
import type { UserStore } from '../store/user-store.js';
import { readForm } from './form.js';
import { checkLogin, loginAudit, type LoginPolicy } from './login.js';
import { consentPage, loginPage, messagePage, type ConsentPage } from './pages.js';
import { ownPatient, patientExists, recentPatients } from './patients.js';
import type { LaunchContext, SmartContextStore } from './smart-context.js';

/**
 * The authorization server's user-facing steps (oidc-provider "interactions"):
 * sign-in, then consent with the patient picker, as plain HTML forms at
 * /auth/interaction/{uid}. The interaction cookie (SameSite=Lax) ties each
 * form post to the browser that started the authorization, so the forms
 * cannot be posted cross-site.
 */
export interface InteractionDeps {
  readonly provider: Provider;
  readonly users: UserStore;
  readonly repository: Repository;
  readonly contexts: SmartContextStore;
  readonly audit: AuditWriter;
  readonly log: Logger;
  readonly fhirBaseUrl: string;
  readonly styleUrl: string;
  readonly login: LoginPolicy;
  /** Lifetime of a grant's context (the longest refresh token). */
  readonly grantTtl: number;
}

type Ctx = ParameterizedContext;

const CHOOSABLE_OIDC = new Set(['offline_access', 'online_access']);

function html(ctx: Ctx, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  // No form-action: browsers apply it to the redirect after consent, which may go to an app's custom-scheme URI.
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  ctx.body = body;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

async function finish(ctx: Ctx, deps: InteractionDeps, result: Parameters<Provider['interactionResult']>[2]): Promise<void> {
  const to = await deps.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(to);
}

async function clientName(deps: InteractionDeps, clientId: unknown): Promise<string> {
  const client = typeof clientId === 'string' ? await deps.provider.Client.find(clientId) : undefined;
  return client?.clientName ?? client?.clientId ?? 'An application';
}

/** What the consent page offers, from the scopes the request still needs granted. */
function requestedScopes(details: { prompt: { details: Record<string, unknown> } }, fhirBase: string): { oidc: string[]; clinical: string[] } {
  const d = details.prompt.details;
  const resources = typeof d['missingResourceScopes'] === 'object' && d['missingResourceScopes'] !== null ? (d['missingResourceScopes'] as Record<string, unknown>) : {};
  return { oidc: strings(d['missingOIDCScope']), clinical: strings(resources[fhirBase]) };
}

async function consentView(ctx: Ctx, deps: InteractionDeps, uid: string, error?: string): Promise<ConsentPage> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const user = await deps.users.byId(details.session?.accountId ?? '');
  const { oidc, clinical } = requestedScopes(details, deps.fhirBaseUrl);
  const launch = typeof details.params['launch'] === 'string' ? await deps.contexts.findLaunch(details.params['launch']) : undefined;
  const isPatient = user?.role === 'patient';
  const words = isPatient ? 'your' : "the patient's";
  const choices = [...clinical, ...oidc.filter((s) => CHOOSABLE_OIDC.has(s))].map((scope) => ({ scope, text: describeScope(scope, words) }));
  const fixed = oidc.filter((s) => !CHOOSABLE_OIDC.has(s) && s !== 'openid').map((s) => describeScope(s, words));
  const needsPatient = clinical.some((s) => s.startsWith('patient/')) || oidc.includes('launch/patient');
  const base = {
    action: `/auth/interaction/${uid}/consent`,
    clientName: await clientName(deps, details.params['client_id']),
    userName: user?.displayName ?? 'unknown user',
    choices,
    fixed,
    ...(error === undefined ? {} : { error }),
  };
  if (!needsPatient) return base;
  if (launch?.patient !== undefined) return { ...base, patientText: `record ${launch.patient} (opened from the clinic system)` };
  if (isPatient) return { ...base, patientText: 'your own record' };
  const patients = await recentPatients(deps.repository, 20);
  if (user !== undefined && patients.length > 0) {
    await deps.audit.record({
      kind: 'rest',
      recorded: new Date().toISOString(),
      action: 'R',
      outcome: '0',
      interaction: 'history-type',
      agent: { kind: 'user', userId: user.id, username: user.username, fhirUser: user.fhirUser, role: user.role, address: ctx.ip },
      resources: patients.map((p) => `Patient/${p.id}`),
      patients: patients.map((p) => p.id),
      description: 'patient picker',
    });
  }
  return { ...base, patients };
}

export function interactionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/auth/interaction' });

  router.use(async function interactionErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      // Expired or unknown interactions (no cookie, old link): a page, not an OperationOutcome.
      deps.log.info({ err: err instanceof Error ? `${err.name}: ${err.message}` : 'error' }, 'interaction failed');
      html(ctx, 400, messagePage('This sign-in has expired', 'Go back to the app and start again.'));
    }
  });

  router.get('/:uid', async function showInteraction(ctx) {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params['uid']) {
      html(ctx, 400, messagePage('Sign-in expired', 'Start again from the app.'));
      return;
    }
    if (details.prompt.name === 'login') {
      html(ctx, 200, loginPage({ action: `/auth/interaction/${details.uid}/login`, clientName: await clientName(deps, details.params['client_id']) }));
      return;
    }
    html(ctx, 200, consentPage(await consentView(ctx, deps, details.uid)));
  });

  router.post('/:uid/login', async function submitLogin(ctx) {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const form = await readForm(ctx);
    const username = (form.get('username') ?? '').trim();
    const result = await checkLogin(deps.users, deps.login, username, form.get('password') ?? '', (form.get('code') ?? '').trim());
    const clientId = typeof details.params['client_id'] === 'string' ? details.params['client_id'] : undefined;
    await deps.audit.record(loginAudit(username, result, clientId, ctx.ip));
    if (!result.ok) {
      const page = loginPage({
        action: `/auth/interaction/${details.uid}/login`,
        clientName: await clientName(deps, clientId),
        username,
        error: 'The username, password or code is not right. After several failed attempts the account is locked for a while.',
      });
      html(ctx, 401, page);
      return;
    }
    await finish(ctx, deps, { login: { accountId: result.user.id } });
  });

  router.post('/:uid/abort', async function abortLogin(ctx) {
    await deps.provider.interactionDetails(ctx.req, ctx.res);
    await finish(ctx, deps, { error: 'access_denied', error_description: 'The user cancelled' });
  });

  router.post('/:uid/consent', async function submitConsent(ctx) {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const form = await readForm(ctx);
    if (details.prompt.name !== 'consent' || details.session === undefined) {
      html(ctx, 400, messagePage('Sign-in expired', 'Start again from the app.'));
      return;
    }
    if (form.get('decision') !== 'allow') {
      await finish(ctx, deps, { error: 'access_denied', error_description: 'The user did not allow access' });
      return;
    }
    const user = await deps.users.byId(details.session.accountId);
    if (user === undefined || user.disabled) {
      await finish(ctx, deps, { error: 'access_denied', error_description: 'The account is not available' });
      return;
    }
    const ticked = new Set(form.getAll('scope'));
    const { oidc, clinical } = requestedScopes(details, deps.fhirBaseUrl);
    const grantedClinical = clinical.filter((s) => ticked.has(s));
    const grantedOidc = oidc.filter((s) => !CHOOSABLE_OIDC.has(s) || ticked.has(s));
    const launch: LaunchContext | undefined =
      typeof details.params['launch'] === 'string' ? await deps.contexts.findLaunch(details.params['launch']) : undefined;
    const needsPatient = grantedClinical.some((s) => s.startsWith('patient/')) || grantedOidc.includes('launch/patient');
    const own = user.role === 'patient' ? await ownPatient(deps.repository, user.fhirUser, deps.fhirBaseUrl) : undefined;
    let patient = launch?.patient;
    if (patient === undefined && needsPatient) {
      if (user.role === 'patient') patient = own;
      else {
        const typed = (form.get('patient_id') ?? '').trim();
        patient = typed !== '' ? typed : (form.get('patient') ?? undefined);
      }
    }
    const problem =
      user.role === 'patient' && patient !== undefined && patient !== own
        ? 'This launch is for a different patient than your own record.'
        : needsPatient && (patient === undefined || !(await patientExists(deps.repository, patient)))
          ? 'Choose a patient record that exists.'
          : undefined;
    if (problem !== undefined) {
      html(ctx, 400, consentPage(await consentView(ctx, deps, details.uid, problem)));
      return;
    }
    const grant = new deps.provider.Grant({ accountId: user.id, clientId: String(details.params['client_id']) });
    if (grantedOidc.length > 0) grant.addOIDCScope(grantedOidc.join(' '));
    const claims = strings(details.prompt.details['missingOIDCClaims']);
    if (claims.length > 0) grant.addOIDCClaims(claims);
    if (grantedClinical.length > 0) grant.addResourceScope(deps.fhirBaseUrl, grantedClinical.join(' '));
    // Unticked scopes are recorded as refused, so the consent prompt counts them as answered.
    const refusedClinical = clinical.filter((x) => !ticked.has(x));
    const refusedOidc = oidc.filter((x) => CHOOSABLE_OIDC.has(x) && !ticked.has(x));
    if (refusedClinical.length > 0) grant.rejectResourceScope(deps.fhirBaseUrl, refusedClinical.join(' '));
    if (refusedOidc.length > 0) grant.rejectOIDCScope(refusedOidc.join(' '));
    const grantId = await grant.save();
    const ehr = launch !== undefined;
    await deps.contexts.saveGrantContext(
      grantId,
      {
        scope: [...grantedOidc, ...grantedClinical].join(' '),
        role: user.role,
        username: user.username,
        fhirUser: user.fhirUser,
        ...(own === undefined ? {} : { ownPatient: own }),
        ...(patient === undefined ? {} : { patient }),
        ...(launch?.encounter === undefined ? {} : { encounter: launch.encounter }),
        ...(launch?.fhirContext === undefined ? {} : { fhirContext: launch.fhirContext }),
        ...(launch?.intent === undefined ? {} : { intent: launch.intent }),
        need_patient_banner: launch?.need_patient_banner ?? !ehr,
        ...(ehr ? { smart_style_url: launch.smart_style_url ?? deps.styleUrl } : {}),
      },
      deps.grantTtl,
    );
    await finish(ctx, deps, { consent: { grantId } });
  });

  return router;
}
