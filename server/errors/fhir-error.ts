import type { Issue, IssueType } from './issue.js';

/**
 * The one table pairing each error kind with its HTTP status and issue code
 * (https://hl7.org/fhir/R4/http.html#Status-Codes). Every FhirError takes its
 * status from here, so a status can never disagree with its issue code.
 */
export const ERROR_KINDS = {
  invalid: { status: 400, code: 'invalid' },
  structure: { status: 400, code: 'structure' },
  unauthorized: { status: 401, code: 'login' },
  forbidden: { status: 403, code: 'forbidden' },
  notFound: { status: 404, code: 'not-found' },
  methodNotAllowed: { status: 405, code: 'not-supported' },
  notAcceptable: { status: 406, code: 'not-supported' },
  conflict: { status: 409, code: 'conflict' },
  gone: { status: 410, code: 'deleted' },
  preconditionFailed: { status: 412, code: 'conflict' },
  multipleMatches: { status: 412, code: 'multiple-matches' },
  tooLarge: { status: 413, code: 'too-long' },
  unsupportedMediaType: { status: 415, code: 'not-supported' },
  unprocessable: { status: 422, code: 'processing' },
  tooCostly: { status: 422, code: 'too-costly' },
  busy: { status: 503, code: 'transient' },
  internal: { status: 500, code: 'exception' },
  timeout: { status: 504, code: 'timeout' },
} as const satisfies Record<string, { status: number; code: IssueType }>;

export type ErrorKind = keyof typeof ERROR_KINDS;

/**
 * A failure the client should see as an OperationOutcome. `expose` is false only
 * for internal errors, whose details go to the log and never to the client.
 */
export class FhirError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly issues: readonly Issue[];
  readonly headers: Readonly<Record<string, string>>;
  readonly expose: boolean;

  constructor(kind: ErrorKind, message: string, options: FhirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FhirError';
    this.kind = kind;
    this.status = ERROR_KINDS[kind].status;
    this.expose = kind !== 'internal';
    this.headers = options.headers ?? {};
    this.issues = options.issues ?? [
      {
        severity: 'error',
        code: ERROR_KINDS[kind].code,
        diagnostics: message,
        ...(options.expression === undefined ? {} : { expression: options.expression }),
      },
    ];
  }
}

export interface FhirErrorOptions {
  readonly issues?: readonly Issue[];
  readonly expression?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export const invalid = (message: string, expression?: readonly string[]): FhirError =>
  new FhirError('invalid', message, expression === undefined ? {} : { expression });
export const notFound = (message: string): FhirError => new FhirError('notFound', message);
export const gone = (message: string): FhirError => new FhirError('gone', message);
export const preconditionFailed = (message: string): FhirError => new FhirError('preconditionFailed', message);
export const conflict = (message: string): FhirError => new FhirError('conflict', message);
export const notSupported = (message: string): FhirError => new FhirError('methodNotAllowed', message);

/** 422 carrying every validation issue found (https://hl7.org/fhir/R4/http.html#update). */
export const unprocessable = (issues: readonly Issue[]): FhirError =>
  new FhirError('unprocessable', issues[0]?.diagnostics ?? 'invalid resource', { issues });
