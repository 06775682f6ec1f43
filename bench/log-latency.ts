/**
 * From a line appended to a tailed file to its signal, through the daemon's own
 * LogWatcher (file-system events, the read, the pipeline, the group wait). Each
 * line matches a rule of its own, so each raises one signal. Peer: the same lines
 * through `tail -F` into this process, which is how soon a line can be seen at all.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import path from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { LogWatcher } from '../src/logs/watcher.js';
import { Metrics } from '../src/metrics.js';
import type { FileOffset } from '../src/logs/sources/file.js';
import { percentile } from './measure.js';


export async function benchLogLatency(lines: number): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-bench-tail-'));
  const file = path.join(dir, 'foglet.log');
  writeFileSync(file, '');
  const id = (i: number) => `bench_${String(i).padStart(5, '0')}`;
  const config = validateConfig({
    logs: {
      sources: [{ name: 'app', kind: 'file', path: file }],
      rule_packs: [],
      restart_loop: { enabled: false },
      rules: Array.from({ length: lines }, (_, i) => ({ id: id(i), category: 'crash', severity: 'critical', pattern: `bench failure ${id(i)}\\b` })),
    },
  });
  const sent = new Map<string, number>();
  const ours: number[] = [];
  const offsets = new Map<string, FileOffset>();
  const watcher = new LogWatcher({
    logs: config.logs,
    instance: 'bench',
    baseDir: dir,
    metrics: new Metrics(),
    logger: silentLogger(),
    offsets: { get: (k) => offsets.get(k), set: (k, v) => offsets.set(k, v) },
    onSignal: (s) => {
      const t = sent.get(s.reason);
      if (t !== undefined && !s.ok) ours.push(performance.now() - t);
    },
  });
  await watcher.start();

  // The peer: tail -F, reading the same file; the time until its line arrives here.
  const tailSeen: number[] = [];
  const tail = spawn('tail', ['-F', '-n', '0', '-s', '0.01', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  tail.stdout.on('data', (d: Buffer) => {
    const now = performance.now();
    for (const m of d.toString('utf8').matchAll(/bench failure (bench_\d+)/g)) {
      const t = sent.get(m[1]!);
      if (t !== undefined) tailSeen.push(now - t);
    }
  });
  await pause(300);

  process.stderr.write(`appending ${lines} lines, one every 5-15 ms ...\n`);
  for (let i = 0; i < lines; i++) {
    sent.set(id(i), performance.now());
    appendFileSync(file, `10:00:00.000 [error] bench failure ${id(i)} in Foglet.Board\n`);
    await pause(5 + (i % 11));
  }
  const deadline = Date.now() + 5000;
  while ((ours.length < lines || tailSeen.length < lines) && Date.now() < deadline) await pause(20);
  tail.kill();
  await watcher.stop();
  rmSync(dir, { recursive: true, force: true });

  ours.sort((a, b) => a - b);
  tailSeen.sort((a, b) => a - b);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return {
    'lines': lines,
    'signals received': ours.length,
    'append to signal, p50': ms(percentile(ours, 50)),
    'append to signal, p99': ms(percentile(ours, 99)),
    'append to signal, max': ms(ours.at(-1) ?? NaN),
    'peer: tail -F -s 0.01 to this process, p50': ms(percentile(tailSeen, 50)),
    'peer: tail -F -s 0.01 to this process, p99': ms(percentile(tailSeen, 99)),
    'ratio (signal p50 / tail -F p50)': Math.round((percentile(ours, 50) / percentile(tailSeen, 50)) * 100) / 100,
  };
}
