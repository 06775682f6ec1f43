/**
 * What idle file sources cost: the monitor as users run it (no checks, N `file`
 * sources on N files nobody writes to), its CPU share over a quiet stretch read from
 * /proc, against GNU `tail -F` following the same N files (inotify) in the same run.
 * The goal is absolute (1,000 idle sources under 2% of a core): its ratio is against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { stringify } from 'yaml';
import { CLI } from '../test/helpers/cli.js';
import { closedPort } from '../test/helpers/servers.js';
import { waitFor } from '../test/helpers/wait.js';
import { procCpuMs } from './measure.js';

/** Start-up (a first pass over every file, the first state write) is over by then: what is measured is idling. */
const WARMUP_MS = 15_000;

async function cpuShare(pid: number, ms: number): Promise<number> {
  const cpu0 = procCpuMs(pid);
  const t0 = Date.now();
  await pause(ms);
  return (procCpuMs(pid) - cpu0) / (Date.now() - t0);
}

async function one(n: number, measureMs: number): Promise<{ monitor: number; tail: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-bench-idle-'));
  const children: ChildProcess[] = [];
  try {
    const files = Array.from({ length: n }, (_, i) => path.join(dir, `foglet-${i}.log`));
    for (const f of files) writeFileSync(f, 'one line already there\n');
    const port = await closedPort();
    const configFile = path.join(dir, 'monitor.yaml');
    writeFileSync(configFile, stringify({
      instance: 'bench', listen: `127.0.0.1:${port}`, state_file: path.join(dir, 'state.json'),
      logs: { sources: files.map((f, i) => ({ name: `app-${i}`, kind: 'file', path: f })) },
    }));
    const monitor = spawn(process.execPath, ['--max-semi-space-size=2', '--optimize-for-size', CLI, 'run', '-c', configFile, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(monitor);
    let err = '';
    monitor.stderr!.on('data', (d: Buffer) => { err = (err + d).slice(-2000); });
    await waitFor(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), `the monitor to be ready (${err})`, 30_000, 100);
    const tail = spawn('tail', ['-q', '-n', '0', '-F', ...files], { stdio: 'ignore' });
    children.push(tail);
    await pause(WARMUP_MS);
    const [m, t] = await Promise.all([cpuShare(monitor.pid!, measureMs), cpuShare(tail.pid!, measureMs)]);
    return { monitor: m, tail: t };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await pause(300);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchIdleFiles(measureMs: number): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = {};
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  let at1000 = NaN;
  for (const n of [1, 100, 1000]) {
    process.stderr.write(`  idle files: ${n} sources for ${measureMs / 1000} s ...\n`);
    const r = await one(n, measureMs);
    out[`${n} idle sources: monitor / tail -F, CPU of a core`] = `${pct(r.monitor)} / ${pct(r.tail)}`;
    if (n === 1000) at1000 = r.monitor;
  }
  out['ratio (1,000 idle sources / 2% goal)'] = Math.round((at1000 / 0.02) * 100) / 100;
  return out;
}
