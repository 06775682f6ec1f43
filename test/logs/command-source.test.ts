import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { CommandSource } from '../../src/logs/sources/command.js';
import { waitFor } from '../helpers/wait.js';

type CommandCfg = Extract<ReturnType<typeof validateConfig>['logs']['sources'][number], { kind: 'command' }>;

function commandSource(command: string[], opts: { initial?: string; max?: string; maxLineBytes?: number } = {}) {
  const cfg = validateConfig({ logs: { sources: [{ name: 'cmd', kind: 'command', command,
    restart_backoff: { initial: opts.initial ?? '50ms', max: opts.max ?? '400ms' } }] } }).logs.sources[0] as CommandCfg;
  const seen = { lines: [] as Array<{ at: number; text: string; bytes: number }>, count: 0, bytes: 0, cut: 0, restarts: 0, up: [] as boolean[], delays: [] as number[] };
  const source = new CommandSource(cfg, opts.maxLineBytes ?? 65536, {
    line: (text, bytes) => {
      seen.count++;
      seen.bytes += bytes;
      // Keep only the first few hundred: a flood test must not measure its own bookkeeping.
      if (seen.lines.length < 200) seen.lines.push({ at: Date.now(), text: text.slice(0, 80), bytes: text.length });
    },
    idle: () => {},
    cut: (n) => { seen.cut += n; },
  }, { up: (u) => seen.up.push(u), restart: () => { seen.restarts++; }, warn: (o) => { const d = (o as { restart_in_ms?: number }).restart_in_ms; if (d !== undefined) seen.delays.push(d); } });
  return { source, seen };
}

describe('command log source', () => {
  test('reads stdout and stderr', async () => {
    const { source, seen } = commandSource(['sh', '-c', 'echo to-stdout; echo to-stderr >&2; sleep 30']);
    await source.start();
    await waitFor(() => seen.count === 2, 'both lines');
    await source.stop();
    assert.deepEqual(seen.lines.map((l) => l.text).sort(), ['to-stderr', 'to-stdout']);
    assert.deepEqual(seen.up, [true, false]);
  });

  test('a command that exits is restarted with a growing, capped backoff', async () => {
    const { source, seen } = commandSource(['sh', '-c', 'echo run; exit 3'], { initial: '50ms', max: '200ms' });
    await source.start();
    await waitFor(() => seen.count >= 7, 'seven runs', 8000);
    await source.stop();
    const stopped = seen.count;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen.count, stopped, 'no run after stop');
    assert.equal(seen.restarts, seen.count - 1);
    // The backoff it chose: 50, 100, 200, then capped at 200.
    assert.deepEqual(seen.delays.slice(0, 6), [50, 100, 200, 200, 200, 200]);
    // And it waited at least that long (a loaded machine may wait longer: no upper bound here).
    const gaps = seen.lines.slice(1, 7).map((l, i) => l.at - seen.lines[i]!.at);
    gaps.forEach((g, i) => assert.ok(g >= seen.delays[i]! - 5, `gap ${i} ${g} ms for a ${seen.delays[i]} ms backoff (all: ${gaps})`));
  });

  test('a 10 MB line is cut to max_line_bytes and counted; the next line is whole', async () => {
    const { source, seen } = commandSource(['sh', '-c', "head -c 10485760 /dev/zero | tr '\\0' a; echo; echo after; sleep 30"]);
    await source.start();
    await waitFor(() => seen.count === 2, 'the cut line and the next', 10_000);
    await source.stop();
    assert.equal(seen.lines[0]!.bytes, 65536);
    assert.equal(seen.cut, 1);
    assert.equal(seen.lines[1]!.text, 'after');
  });

  test('a command that floods is read at its pace, bounded in memory', async (t) => {
    // ~1 KiB lines as fast as `yes` can write them, for two seconds.
    const { source, seen } = commandSource(['sh', '-c', `yes "$(head -c 1000 /dev/zero | tr '\\0' f)"`]);
    global.gc?.();
    const base = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    }, 20);
    await source.start();
    await new Promise((r) => setTimeout(r, 2000));
    await source.stop();
    clearInterval(sampler);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    t.diagnostic(`flood: read ${mib(seen.bytes)} MiB, memory grew by at most ${mib(peak)} MiB`);
    assert.ok(seen.bytes > 128 * 1024 * 1024, `read ${mib(seen.bytes)} MiB`);
    assert.ok(peak < 64 * 1024 * 1024, `memory grew by ${mib(peak)} MiB while reading ${mib(seen.bytes)} MiB`);
    assert.deepEqual(seen.up.at(-1), false);
  });

  test('a command that cannot start is reported and retried, not fatal', async () => {
    const { source, seen } = commandSource(['/nonexistent/fly', 'logs'], { initial: '20ms', max: '40ms' });
    await source.start();
    await waitFor(() => seen.restarts >= 2, 'two retries');
    await source.stop();
    assert.ok(!seen.up.includes(true));
  });
});
