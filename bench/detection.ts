/**
 * Detection latency as on-call meets it, end to end through the monitor as a child
 * process (`foglet-monitor run`) to a webhook receiver:
 * - a failure line appended to the board's log -> its page at the webhook (each sample
 *   a rule of its own, so each raises one page); peer: `tail -F` seeing the same line;
 * - the board's SSH port refused -> its page, with the SSH check every second and
 *   failure_threshold 2; the bound is interval x threshold (2 s).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import path from 'node:path';
import { FakeFoglet } from '../src/demo/fake-foglet.js';
import { startMonitor, writeConfig } from '../test/helpers/monitor.js';
import { Receiver } from '../test/helpers/receiver.js';
import { waitFor } from '../test/helpers/wait.js';
import { percentile as pct } from './measure.js';

interface Payload { change: string; alerts: Array<{ labels: Record<string, string> }> }

/** Epoch ms with the monotonic clock's sub-millisecond resolution (the receiver stamps with it too). */
const clock = () => performance.timeOrigin + performance.now();

export async function benchDetection(logSamples: number, sshSamples: number): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-bench-detect-'));
  const logFile = path.join(dir, 'foglet.log');
  writeFileSync(logFile, '');
  const board = await FakeFoglet.start();
  const receiver = await Receiver.start();
  const id = (i: number) => `bench_${String(i).padStart(4, '0')}`;
  const configFile = path.join(dir, 'monitor.yaml');
  writeConfig(configFile, {
    instance: 'bench',
    state_file: path.join(dir, 'state.json'),
    checks: [{
      name: 'ssh', kind: 'ssh', host: board.ssh.address.host, port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s',
      host_key: board.ssh.hostKeyFingerprint, expect_screen: 'L Login', failure_threshold: 2,
    }],
    logs: {
      sources: [{ name: 'board', kind: 'file', path: logFile }],
      rule_packs: [],
      restart_loop: { enabled: false },
      rules: Array.from({ length: logSamples }, (_, i) => ({ id: id(i), category: 'crash', severity: 'critical', pattern: `bench failure ${id(i)}\\b` })),
    },
    alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` }], delivery: { initial_backoff: '100ms', max_backoff: '1s' } },
    releases: { grace: '0s', watch_for: '0s' },
  });
  const monitor = await startMonitor(configFile);
  const tailSeen = new Map<string, number>();
  const tail = spawn('tail', ['-F', '-n', '0', '-s', '0.01', logFile], { stdio: ['ignore', 'pipe', 'ignore'] });
  tail.stdout.on('data', (d: Buffer) => {
    const now = clock();
    for (const m of d.toString('utf8').matchAll(/bench failure (bench_\d+)/g)) tailSeen.set(m[1]!, now);
  });
  const pageAt = (match: (p: Payload) => boolean, after: number) =>
    receiver.accepted.find((r) => r.at >= after && match(r.json as Payload))?.at;
  try {
    await pause(1500); // the first SSH runs pass
    process.stderr.write(`  detection: ${logSamples} log lines ...\n`);
    const logLatency: number[] = [];
    const tailLatency: number[] = [];
    for (let i = 0; i < logSamples; i++) {
      const t0 = clock();
      appendFileSync(logFile, `${new Date().toISOString().slice(11, 23)} [error] bench failure ${id(i)} in Foglet.Board\n`);
      const at = await waitFor(() => pageAt((p) => p.change === 'firing' && p.alerts[0]!.labels.rule === id(i), t0), `the page for ${id(i)}`, 10_000, 2);
      logLatency.push(at - t0);
      const seen = tailSeen.get(id(i));
      if (seen !== undefined) tailLatency.push(seen - t0);
      await pause(20 + (i % 7) * 10);
    }
    process.stderr.write(`  detection: ${sshSamples} SSH outages ...\n`);
    const sshLatency: number[] = [];
    for (let i = 0; i < sshSamples; i++) {
      // A random moment within the check's second, as an outage comes.
      await pause(Math.floor(Math.random() * 1000));
      const t0 = clock();
      await board.ssh.stop();
      const at = await waitFor(() => pageAt((p) => p.change === 'firing' && p.alerts[0]!.labels.check === 'ssh', t0), 'the SSH page', 15_000, 5);
      sshLatency.push(at - t0);
      await board.ssh.start();
      await waitFor(() => pageAt((p) => p.change === 'resolved' && p.alerts[0]!.labels.check === 'ssh', at), 'the SSH resolve', 15_000, 20);
    }
    logLatency.sort((a, b) => a - b);
    tailLatency.sort((a, b) => a - b);
    sshLatency.sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    return {
      'log line appended -> webhook page, p50 / p99 / max': `${ms(pct(logLatency, 50))} / ${ms(pct(logLatency, 99))} / ${ms(logLatency.at(-1)!)}`,
      'peer: tail -F -s 0.01 sees the line, p50 / p99': `${ms(pct(tailLatency, 50))} / ${ms(pct(tailLatency, 99))}`,
      'SSH refused -> webhook page, p50 / max (bound: 1 s x 2 = 2000 ms)': `${ms(pct(sshLatency, 50))} / ${ms(sshLatency.at(-1)!)}`,
      'ratio (log page p50 / tail -F p50)': Math.round((pct(logLatency, 50) / pct(tailLatency, 50)) * 100) / 100,
      'ratio (SSH page max / bound)': Math.round((sshLatency.at(-1)! / 2000) * 100) / 100,
    };
  } finally {
    tail.kill();
    await monitor.stop();
    await board.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
