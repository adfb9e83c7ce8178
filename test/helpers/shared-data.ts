import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * The shared test and benchmark data (Synthea, HL7 v2, DDI facts): SHARED_DATA_DIR if
 * set, else `../shared/data` beside the checkout (DESIGN.md section 5), else the
 * workplace's `/work/shared/data` (a clone made elsewhere, e.g. by CI in a temp dir).
 */
export function sharedDataDir(...sub: string[]): string {
  const candidates = [
    process.env['SHARED_DATA_DIR'],
    path.join(REPO, '..', 'shared', 'data'),
    '/work/shared/data',
  ].filter((d): d is string => d !== undefined && d !== '');
  const found = candidates.find((d) => existsSync(d)) ?? candidates[0] ?? '/work/shared/data';
  return path.join(found, ...sub);
}
