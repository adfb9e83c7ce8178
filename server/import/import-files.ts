import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** One file to load: a Bundle (`.json`) or NDJSON (`.ndjson`, one resource per line). */
export interface ImportFile {
  readonly path: string;
  readonly bytes: number;
  readonly format: 'bundle' | 'ndjson';
}

const FORMATS: Readonly<Record<string, ImportFile['format']>> = { '.json': 'bundle', '.ndjson': 'ndjson' };

async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesIn(full)));
    else if (entry.isFile() && FORMATS[path.extname(entry.name).toLowerCase()] !== undefined) out.push(full);
  }
  return out;
}

/**
 * The files named on the command line, directories expanded (recursively, in name
 * order; only `.json` and `.ndjson`). A path that does not exist, or a file with
 * another extension, is returned in `missing`.
 */
export async function expandPaths(args: readonly string[]): Promise<{ files: ImportFile[]; missing: string[] }> {
  const files: ImportFile[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    const s = await stat(arg).catch(() => undefined);
    const paths = s === undefined ? [] : s.isDirectory() ? await filesIn(arg) : [arg];
    if (s === undefined || (s.isFile() && FORMATS[path.extname(arg).toLowerCase()] === undefined)) {
      missing.push(arg);
      continue;
    }
    for (const p of paths) {
      const format = FORMATS[path.extname(p).toLowerCase()];
      if (format !== undefined) files.push({ path: p, bytes: (await stat(p)).size, format });
    }
  }
  return { files, missing };
}

/**
 * Bundle.type from the start of the file, without parsing it all: writers put
 * `resourceType` and `type` before `entry` (Synthea, HAPI and Blaze exports do).
 * Undefined when `type` does not come before the first nested value.
 */
export async function peekBundleType(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8');
    return /^\s*\{[^{[]*?"type"\s*:\s*"([a-z-]+)"/.exec(head)?.[1];
  } finally {
    await handle.close();
  }
}
