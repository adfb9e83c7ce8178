import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { testDatabaseUrl } from '../helpers/server.js';

/** The real entry point (server/main.ts) as operators run it: startup, logs, SIGTERM. */
describe('server process (npm start)', function () {
  this.timeout(60_000);
  let proc: ChildProcess;
  let base: string;
  const lines: string[] = [];
  let exitCode: number | null | undefined;

  before(async () => {
    proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), PORT: '0', LOG_LEVEL: 'info', AUTH_MODE: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.on('exit', (code) => (exitCode = code));
    proc.stderr?.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
    base = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      proc.stdout?.on('data', (d: Buffer) => {
        buffered += d.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          const m = /"baseUrl":"([^"]+)"/.exec(line);
          if (m?.[1] !== undefined) resolve(m[1]);
        }
      });
      proc.on('exit', () => reject(new Error('server exited during start-up')));
    });
  });

  after(() => {
    if (exitCode === undefined) proc.kill('SIGKILL');
  });

  it('logs JSON lines with a request id and never the resource content', async () => {
    const secretName = `Zzyzx${Date.now()}`;
    const r = await fetch(`${base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: secretName }] }),
    });
    expect(r.status).to.equal(201);
    await fetch(`${base}/Patient?name=${secretName}`);
    await new Promise((res) => setTimeout(res, 200));
    const requestLines = lines.filter((l) => l.includes('"msg":"request"'));
    expect(requestLines.length).to.be.greaterThan(0);
    for (const l of requestLines) expect(JSON.parse(l)).to.include.keys('reqId', 'status', 'ms', 'interaction');
    expect(lines.join('\n')).not.to.contain(secretName);
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Drain' }] });
    const half = Math.floor(body.length / 2);
    const url = new URL(`${base}/Patient`);
    const done = new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/fhir+json', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, half));
      setTimeout(() => {
        proc.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(half)), 300);
      }, 200);
    });
    expect(await done).to.equal(201);
    const code = await new Promise<number | null>((resolve) => {
      if (exitCode !== undefined) resolve(exitCode);
      else proc.on('exit', (c) => resolve(c));
    });
    expect(code).to.equal(0);
  });
});
