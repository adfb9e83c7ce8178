import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import smart from 'fhirclient';

/**
 * A minimal SMART app built on SMART's unmodified `fhirclient` Node entry, the way
 * its docs show a server-side app (http://docs.smarthealthit.org/client-js/node):
 * GET /launch calls `smart(req, res).authorize(...)`, the redirect URI /callback
 * calls `smart(req, res).ready()` and reads the patient. fhirclient keeps its
 * state (PKCE verifier, state key, tokens) in a per-browser session, here a Map
 * behind an `app_sid` cookie.
 */
export interface FhirclientAppOptions {
  /** FHIR base URL of the server under test (the SMART `iss`). */
  readonly iss: string;
  readonly clientId: string;
  readonly scope: string;
  /** A further resource the app asks for with `client.request()` after reading the patient. */
  readonly alsoRequest?: string;
}

/** What /callback answers with, for the test to assert on. */
export interface FhirclientAppResult {
  readonly patientId: string | null;
  readonly patient: Record<string, unknown>;
  readonly fhirUser: string | null;
  readonly scope: string | undefined;
  /** HTTP status of the `alsoRequest` read (200 when it succeeded). */
  readonly alsoRequestStatus: number | undefined;
}

export interface FhirclientApp {
  readonly root: string;
  readonly launchUrl: string;
  readonly redirectUri: string;
  close(): Promise<void>;
}

type Session = Map<string, unknown>;

function sessionOf(req: IncomingMessage, res: ServerResponse, sessions: Map<string, Session>): Session {
  const sid = /(?:^|;\s*)app_sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const known = sid === undefined ? undefined : sessions.get(sid);
  if (known !== undefined) return known;
  const id = randomUUID();
  const session: Session = new Map();
  sessions.set(id, session);
  res.setHeader('set-cookie', `app_sid=${id}; Path=/; HttpOnly; SameSite=Lax`);
  return session;
}

function storageOf(session: Session): { get: (k: string) => Promise<unknown>; set: (k: string, v: unknown) => Promise<unknown>; unset: (k: string) => Promise<boolean> } {
  return {
    get: (k) => Promise.resolve(session.get(k)),
    set: (k, v) => {
      session.set(k, v);
      return Promise.resolve(v);
    },
    unset: (k) => Promise.resolve(session.delete(k)),
  };
}

function statusOf(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : -1;
}

async function handle(req: IncomingMessage, res: ServerResponse, o: FhirclientAppOptions, sessions: Map<string, Session>, redirectUri: string): Promise<void> {
  const storage = storageOf(sessionOf(req, res, sessions));
  const path = new URL(req.url ?? '/', 'http://app').pathname;
  if (path === '/launch') {
    await smart(req, res, storage).authorize({ iss: o.iss, clientId: o.clientId, scope: o.scope, redirectUri, pkceMode: 'required' });
    return;
  }
  if (path !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  const client = await smart(req, res, storage).ready();
  const patient = (await client.patient.read()) as Record<string, unknown>;
  let alsoRequestStatus: number | undefined;
  if (o.alsoRequest !== undefined) {
    try {
      await client.request(o.alsoRequest);
      alsoRequestStatus = 200;
    } catch (err) {
      alsoRequestStatus = statusOf(err);
    }
  }
  const result: FhirclientAppResult = {
    patientId: client.patient.id,
    patient,
    fhirUser: client.getFhirUser(),
    scope: client.state.tokenResponse?.scope,
    alsoRequestStatus,
  };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
}

/**
 * Starts the app on a free loopback port. Its redirect URI is known only once it
 * listens, so `configure` receives it (to register the client) and returns the options.
 */
export async function startFhirclientApp(configure: (redirectUri: string) => Promise<FhirclientAppOptions>): Promise<FhirclientApp> {
  const sessions = new Map<string, Session>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${root}/callback`;
  const o = await configure(redirectUri);
  server.on('request', (req, res) => {
    handle(req, res, o, sessions, redirectUri).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });
  return {
    root,
    launchUrl: `${root}/launch`,
    redirectUri,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
