/**
 * One HTTP probe of `/up`: CPU per probe of the monitor's HttpProbe against Debian's
 * prometheus-blackbox-exporter (module http_2xx) probing the same URL in the same run.
 * The target is a separate process, so neither side's number includes serving `/up`.
 * The exporter's CPU is read from /proc around the whole series and includes answering
 * each /probe request (its normal way of working); the probe's is process.cpuUsage().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { validateConfig } from '../src/config/load.js';
import type { HttpCheckConfig } from '../src/config/schema.js';
import { HttpProbe } from '../src/checks/http/probe.js';
import { runProbe } from '../src/checks/runner.js';
import { closedPort } from '../test/helpers/servers.js';
import { waitFor } from '../test/helpers/wait.js';
import { procCpuMs } from './measure.js';

const EXPORTER = '/usr/bin/prometheus-blackbox-exporter';

/** A tiny HTTP server in its own process: `/up` answers `ok`. */
export async function startTarget(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', `
    const http = require('node:http');
    const s = http.createServer((q, r) => r.end('ok'));
    s.keepAliveTimeout = 60000;
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { url: `http://127.0.0.1:${port}/up`, child };
}

export async function benchHttpProbe(runs: number): Promise<Record<string, string | number>> {
  if (!existsSync(EXPORTER)) return { skipped: `${EXPORTER} is not installed (apt-get install prometheus-blackbox-exporter)` };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-bench-http-'));
  const target = await startTarget();
  const port = await closedPort();
  writeFileSync(path.join(dir, 'blackbox.yml'), 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      valid_status_codes: [200]\n      preferred_ip_protocol: ip4\n');
  const exporter = spawn(EXPORTER, [`--config.file=${path.join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    const probeUrl = `http://127.0.0.1:${port}/probe?module=http_2xx&target=${encodeURIComponent(target.url)}`;
    await waitFor(() => request(`http://127.0.0.1:${port}/-/healthy`).then((r) => { void r.body.dump(); return r.statusCode === 200; }, () => false), 'the blackbox exporter', 10_000, 50);
    const cfg = validateConfig({ checks: [{ name: 'up', kind: 'http', url: target.url, timeout: '5s', expect: { status: [200], body: '^ok$' } }] }).checks[0] as HttpCheckConfig;
    const probe = new HttpProbe(cfg, { baseDir: process.cwd() });
    const ours = async () => {
      const r = await runProbe(cfg, probe);
      if (!r.ok) throw new Error(`probe failed: ${r.reason}: ${r.message}`);
    };
    const theirs = async () => {
      const r = await request(probeUrl);
      const text = await r.body.text();
      if (!/^probe_success 1$/m.test(text)) throw new Error(`blackbox probe failed: ${text.slice(0, 500)}`);
    };
    for (let i = 0; i < 50; i++) { await ours(); await theirs(); } // warm-up: JIT, connections

    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) await ours();
    const c1 = process.cpuUsage(c0);
    const oursWall = (performance.now() - t0) / runs;
    const oursCpu = (c1.user + c1.system) / 1000 / runs;

    const b0 = procCpuMs(exporter.pid!);
    const t1 = performance.now();
    for (let i = 0; i < runs; i++) await theirs();
    const theirsWall = (performance.now() - t1) / runs;
    const theirsCpu = (procCpuMs(exporter.pid!) - b0) / runs;
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      runs,
      'foglet-monitor HttpProbe: CPU per probe': `${round(oursCpu)} ms`,
      'blackbox_exporter http_2xx: CPU per probe': `${round(theirsCpu)} ms`,
      'foglet-monitor HttpProbe: wall per probe': `${round(oursWall)} ms`,
      'blackbox_exporter: wall per /probe request': `${round(theirsWall)} ms`,
      'ratio (CPU per probe, monitor / blackbox_exporter)': round(oursCpu / theirsCpu),
    };
  } finally {
    exporter.kill();
    target.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
