/**
 * The monitor's footprint at the size of a busy board: 100 SSH checks every 30 s (all
 * due at the same second, no jitter) and 3 log files each growing at 10,000 lines/s,
 * the monitor pinned to one core (`taskset -c 0`), the board and the log writers on the
 * other. Measured from outside, for `rounds` rounds of the schedule: CPU share (from
 * /proc), RSS (sampled, and the kernel's high-water mark), schedule drift (each run's
 * start, from /metrics, against the second it was due), probe outcomes, and whether the
 * log sources kept up (lines read against lines written). The goals are absolute (RSS
 * under 150 MB, no drift past a second): their ratios are against the goal. The monitor
 * runs with the Node flags it ships with (`--max-semi-space-size=2 --optimize-for-size`; BENCH_NODE_FLAGS to
 * change them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { CLI } from '../test/helpers/cli.js';
import { closedPort } from '../test/helpers/servers.js';
import { waitFor } from '../test/helpers/wait.js';
import { percentile, procCpuMs, rssMiB } from './measure.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 100);
const SOURCES = Number(process.env.BENCH_SOURCES ?? 3);
const RATE = 10_000;

function metricValues(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) out.set(m[1]!, Number(m[2]));
  return out;
}

function countLines(file: string): number {
  const buf = readFileSync(file);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

function spawnNode(script: string, args: string[], cpu: number): ChildProcess {
  return spawn('taskset', ['-c', String(cpu), process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

export async function benchFootprint(rounds: number): Promise<Record<string, string | number>> {
  if (os.cpus().length < 2) return { skipped: 'needs two cores: the monitor on one, the board and the writers on the other' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-bench-footprint-'));
  const children: ChildProcess[] = [];
  try {
    const board = spawnNode(path.resolve('dist/bench/procs/board.js'), [], 1);
    children.push(board);
    const info = await new Promise<{ ssh: { host: string; port: number }; hostKey: string }>((resolve) =>
      board.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(String(d)))));
    const files = Array.from({ length: SOURCES }, (_, i) => path.join(dir, `foglet-${i}.log`));
    for (const f of files) writeFileSync(f, '');
    const port = await closedPort();
    const configFile = path.join(dir, 'monitor.yaml');
    writeFileSync(configFile, stringify({
      instance: 'bench',
      listen: `127.0.0.1:${port}`,
      state_file: path.join(dir, 'state.json'),
      checks: Array.from({ length: CHECKS }, (_, i) => ({
        name: `ssh-${String(i).padStart(3, '0')}`, kind: 'ssh', host: info.ssh.host, port: info.ssh.port,
        schedule: '*/30 * * * * *', timeout: '20s', host_key: info.hostKey, expect_screen: 'L Login',
      })),
      logs: { sources: files.map((f, i) => ({ name: `app-${i}`, kind: 'file', path: f })) },
      ...(process.env.BENCH_MAX_CONCURRENT ? { max_concurrent_probes: Number(process.env.BENCH_MAX_CONCURRENT) } : {}),
    }));
    const monitor = spawn('taskset', ['-c', '0', process.execPath, ...(process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=2 --optimize-for-size').split(' ').filter(Boolean), CLI, 'run', '-c', configFile, '--log-format', 'json', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(monitor);
    let monitorErr = '';
    monitor.stderr!.on('data', (d: Buffer) => { monitorErr = (monitorErr + d).slice(-4000); });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => fetch(`${base}/readyz`).then((r) => r.ok, () => false), `the monitor to be ready (${monitorErr})`, 15_000, 100);
    const pid = monitor.pid!; // taskset execs node: the same pid

    const writer = spawnNode(path.resolve('dist/bench/procs/log-writer.js'), [String(RATE), ...files], 1);
    children.push(writer);

    // From just before the next round to just before the one after the last.
    const firstDue = Math.ceil((Date.now() + 2000) / 30_000) * 30_000;
    await pause(firstDue - 1000 - Date.now());
    const cpu0 = procCpuMs(pid);
    const t0 = Date.now();
    let rssMax = 0;
    const rssByRound: number[] = [];
    const drifts: number[] = [];
    let failed = 0;
    let succeeded = 0;
    for (let r = 0; r < rounds; r++) {
      const due = firstDue + r * 30_000;
      process.stderr.write(`  footprint: round ${r + 1}/${rounds} at ${new Date(due).toISOString().slice(11, 19)} ...\n`);
      let roundMax = 0;
      while (Date.now() < due + 28_000) {
        roundMax = Math.max(roundMax, rssMiB(pid, 'VmRSS'));
        await pause(500);
      }
      rssByRound.push(Math.round(roundMax));
      rssMax = Math.max(rssMax, roundMax);
      const text = await (await fetch(`${base}/metrics`)).text();
      for (const [, ts] of metricValues(text, 'foglet_monitor_probe_last_run_timestamp_seconds')) drifts.push(ts * 1000 - due);
      const ok = [...metricValues(text, 'foglet_monitor_probe_success').values()];
      succeeded += ok.filter((v) => v === 1).length;
      failed += ok.filter((v) => v !== 1).length;
    }
    const wallS = (Date.now() - t0) / 1000;
    const cpuShare = (procCpuMs(pid) - cpu0) / 1000 / wallS;
    const hwm = rssMiB(pid, 'VmHWM');
    writer.kill('SIGTERM');
    await new Promise((r) => writer.once('exit', r));
    const written = files.reduce((a, f) => a + countLines(f), 0);
    let read = 0;
    await waitFor(async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      read = [...metricValues(text, 'foglet_monitor_log_lines_total').values()].reduce((a, b) => a + b, 0);
      return read >= written;
    }, 'the monitor to read every line', 30_000, 250).catch(() => { /* reported below */ });
    const skipped = [...metricValues(await (await fetch(`${base}/metrics`)).text(), 'foglet_monitor_scheduler_skipped_runs_total').values()].reduce((a, b) => a + b, 0);

    drifts.sort((a, b) => a - b);
    const ms = (v: number) => `${Math.round(v)} ms`;
    const maxDrift = drifts.at(-1) ?? NaN;
    return {
      'checks x rounds': `${CHECKS} x ${rounds}`,
      'log sources x lines/s': `${SOURCES} x ${RATE}`,
      'probe runs ok / failed': `${succeeded} / ${failed}`,
      'scheduler skipped runs': skipped,
      'schedule drift (run start - due), p50 / p99 / max': `${ms(percentile(drifts, 50))} / ${ms(percentile(drifts, 99))} / ${ms(maxDrift)}`,
      'CPU share of the one core': `${(cpuShare * 100).toFixed(1)} %`,
      'RSS, max sampled / kernel high-water mark': `${rssMax.toFixed(0)} / ${hwm.toFixed(0)} MiB`,
      'RSS, max of each round': `${rssByRound.join(', ')} MiB`,
      'log lines written / read': `${written} / ${read}`,
      'ratio (peak RSS / 150 MB goal)': Math.round((hwm * 1.048576 / 150) * 100) / 100,
      'ratio (max drift / 1 s goal)': Math.round((maxDrift / 1000) * 100) / 100,
    };
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM');
    await pause(500);
    rmSync(dir, { recursive: true, force: true });
  }
}
