/** A parsed FHIR response for assertions. */
export interface FhirResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is empty. */
  readonly body: Record<string, unknown> | undefined;
}

export interface RequestOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Raw body text, sent as is (for malformed-input tests). */
  readonly raw?: string;
}

/** fetch with FHIR JSON defaults; never throws on HTTP status. */
export async function fhirRequest(url: string, options: RequestOptions = {}): Promise<FhirResponse> {
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers: {
      accept: 'application/fhir+json',
      ...(hasBody ? { 'content-type': 'application/fhir+json' } : {}),
      ...options.headers,
    },
    ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  if (text !== '') body = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, text, body };
}

/** The first issue of an OperationOutcome body, for compact assertions. */
export function firstIssue(r: FhirResponse): { severity?: string; code?: string; diagnostics?: string; expression?: string[] } {
  const issues = r.body?.['issue'];
  if (!Array.isArray(issues) || issues.length === 0) return {};
  return issues[0] as { severity?: string; code?: string; diagnostics?: string; expression?: string[] };
}
