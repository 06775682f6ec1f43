/**
 * The check history's cost: 100 checks run every 15 s for seven days (4 million runs) into the
 * history the status page draws from, measured in a child process started with --expose-gc:
 * the heap it holds after a full GC, the time a run takes to record and a view to build, and
 * the size of its file. The peer is the last results the monitor already keeps (one per check),
 * measured the same way: the ratio is what seven days of history add per check.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export async function benchHistory(checks = 100, days = 7): Promise<Record<string, string | number>> {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child', String(checks), String(days)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as Record<string, string | number>;
}

async function child(checks: number, days: number): Promise<void> {
  const { CheckHistory } = await import(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/checks/history.js'));
  const gc = (globalThis as { gc?: () => void }).gc!;
  // Typed arrays live outside the V8 heap: their buffers are counted too.
  const heap = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const now = Date.now();
  const start = now - days * 86400_000;
  const result = (name: string, t: number, ok: boolean) => ({
    check: name, kind: 'ssh', target: 'bbs:22', started_at: new Date(t).toISOString(), duration_seconds: 0.3, ok,
    ...(ok ? {} : { reason: 'timeout' }), phases: { connect: 0.01, screen: 0.12 },
  });
  const names = Array.from({ length: checks }, (_, i) => `ssh-${i}`);
  // The peer: what the monitor keeps anyway, the last result of each check.
  const before = heap();
  const last = new Map(names.map((n) => [n, result(n, now, true)]));
  const lastBytes = heap() - before;

  const base = heap();
  const history = new CheckHistory(() => now);
  let runs = 0;
  const t0 = performance.now();
  for (let t = start; t <= now; t += 15_000) {
    for (const n of names) { history.record(result(n, t, (t / 15_000) % 97 !== 0)); runs++; }
  }
  const recordMs = performance.now() - t0;
  const held = heap() - base;
  const t1 = performance.now();
  for (const n of names) history.view(n);
  const viewMs = (performance.now() - t1) / checks;
  const file = JSON.stringify(history.save()).length;
  process.stdout.write(JSON.stringify({
    checks, days, runs,
    'memory held, history (MiB)': (held / 2 ** 20).toFixed(1),
    'memory held, last results (KiB)': (lastBytes / 1024).toFixed(1),
    'per check, history (KiB)': (held / checks / 1024).toFixed(1),
    'record a run (us)': ((recordMs * 1000) / runs).toFixed(2),
    'build one check\'s view (ms)': viewMs.toFixed(2),
    'file (MiB)': (file / 2 ** 20).toFixed(1),
    'history / last results, memory ratio': (held / Math.max(1, lastBytes)).toFixed(0),
  }));
  void last;
}

if (process.argv[2] === 'child') await child(Number(process.argv[3]), Number(process.argv[4]));
