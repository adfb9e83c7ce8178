import { readFileSync } from 'node:fs';
import type { SoftwareInfo } from './fhir/capability-statement.js';

/** Name and version from package.json; the release date is bumped with capabilities. */
export function softwareInfo(): SoftwareInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version, releaseDate: '2026-11-27' };
}
