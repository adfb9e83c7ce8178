import { pino, type Logger } from 'pino';

/**
 * JSON logs. Redaction is a second line of defence: the code logs no bodies,
 * tokens or query strings in the first place.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'fhir-pms' },
    redact: ['req.headers.authorization', 'headers.authorization', 'password', 'token', 'databaseUrl'],
  });
}
