// Load generator child process: runs autocannon against one URL set and prints
// a JSON summary on stdout. A separate process so that the load generator does
// not share an event loop with the server being measured.
import autocannon from 'autocannon';

interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly paths?: readonly string[];
  readonly body?: string;
  readonly connections: number;
  readonly duration: number;
  /** Extra request headers (e.g. Authorization for the auth bench). */
  readonly headers?: Readonly<Record<string, string>>;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
let i = 0;
const paths = spec.paths ?? [];
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  method: spec.method,
  headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...spec.headers },
  ...(spec.body === undefined ? {} : { body: spec.body }),
  ...(paths.length > 0
    ? {
        requests: [
          {
            setupRequest: (req: autocannon.Request): autocannon.Request => {
              const path = paths[i % paths.length] ?? '/';
              i += 1;
              return { ...req, path };
            },
          },
        ],
      }
    : {}),
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  }),
);
