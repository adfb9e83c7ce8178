// Shared plumbing of the benchmarks: child processes, readiness polling, and the
// autocannon child (bench/load.ts) whose JSON summary they read.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** A TypeScript script of this repository in its own Node process. */
export function child(script: string, argv: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Polls a URL until it answers 2xx (30 s at most). */
export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

/** Runs one autocannon load in a separate process (bench/load.ts). */
export function load(spec: object): Promise<Load> {
  return new Promise((resolve, reject) => {
    const c = child('bench/load.ts', [JSON.stringify(spec)]);
    let out = '';
    c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Load) : reject(new Error(`load exited ${String(code)}`))));
  });
}
