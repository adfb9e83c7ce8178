import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a route answers: NDJSON text, or a handler of its own (redirects, errors, slow or endless bodies). */
export type FileRoute = string | ((req: IncomingMessage, res: ServerResponse) => void);

/** A local file server for `$import` manifests: what it serves, and every request it received. */
export interface FileServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** Requests received, as `host path` (so a request to another host name is seen). */
  readonly requests: string[];
  serve(path: string, route: FileRoute): void;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const routes = new Map<string, FileRoute>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
    const route = routes.get(req.url ?? '');
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else if (typeof route === 'string') {
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' }).end(route);
    } else {
      route(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    requests,
    serve: (path, route) => void routes.set(path, route),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A SMART Bulk Data Import manifest of these (type, url) inputs. */
export const manifest = (inputs: readonly (readonly [string, string])[]): string =>
  JSON.stringify({ inputFormat: 'application/fhir+ndjson', inputSource: 'https://source.example.org', input: inputs.map(([type, url]) => ({ type, url })) });
