/**
 * Nothing lost, nothing doubled, under everything at once: the monitor as a child
 * process reads a log written at ~5,000 lines/s for about 45 s, with failure lines in
 * bursts among them, renamed and copytruncated every few seconds (some of it while
 * the monitor is down), killed with SIGKILL ten times at random moments, while the
 * webhook receiver is down for 20 s in the middle. A ledger then checks, line by line
 * and change by change:
 * - every failure line written was read (matched by the monitor, in one run or another);
 * - every alert change the monitor logged reached the receiver, and nothing else did;
 * - each change's key belongs to that change alone (a key accepted twice is the same
 *   change re-sent after a crash, byte for byte: receivers drop it by its key);
 * - per alert, the changes arrived in order: firing, resolved, firing, ... with
 *   episodes in the order they began;
 * - the episodes are those the one absorption rule gives: a failure line joins the
 *   open episode when it comes less than quiet_for after the episode's last failure
 *   line, else it starts the next one.
 * The random moments come from a seed printed on failure (CHAOS_SEED=... to replay).
 */
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, openSync, renameSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import { logTime } from '../helpers/log-time.js';
import { waitFor } from '../helpers/wait.js';
import { withWorld, type World } from './world.js';
import { fetchStatus } from '../helpers/status.js';

const RUN_MS = 45_000;
const LINES_PER_TICK = 50; // every 10 ms: ~5,000 lines/s
const BURST_EVERY_MS = 3_000; // a burst of failure lines for the first second of every 3 s
const QUIET_FOR_MS = 1_000;
const KILLS = 10;
const RECEIVER_DOWN = [15_000, 35_000];

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The board's log as a writer holds it: an O_APPEND descriptor that goes on after a rename until it reopens. */
class ChaosLog {
  private fd: number;
  private rotations = 0;
  /** What happened when, for the message of a failed run. */
  readonly timeline: string[] = [];
  failures: Array<{ id: number; at: number }> = [];
  lines = 0;
  constructor(readonly file: string) { this.fd = openSync(file, 'a'); }

  write(failure: boolean): void {
    const t = logTime();
    let text = '';
    for (let i = 0; i < LINES_PER_TICK; i++) text += `${t} request_id=R${this.lines++} [info] GET /boards 200\n`;
    if (failure) {
      const id = this.failures.length;
      this.failures.push({ id, at: Date.now() });
      text += `${t} [error] CHAOS-FAIL id=${id} Postgrex.Protocol failed to connect\n`;
    }
    writeSync(this.fd, text);
  }

  /** logrotate's two ways: rename (the writer writes a little more to the old file, then reopens) or copytruncate. */
  rotate(why = ''): void {
    const to = `${this.file}.${++this.rotations}`;
    this.timeline.push(`${logTime()} rotate ${this.rotations % 2 === 1 ? 'rename' : 'copytruncate'} -> ${path.basename(to)} ${why} (next failure id ${this.failures.length})`);
    if (this.rotations % 2 === 1) {
      renameSync(this.file, to);
      this.write(false);
      closeSync(this.fd);
      this.fd = openSync(this.file, 'a');
    } else {
      copyFileSync(this.file, to);
      truncateSync(this.file, 0);
    }
  }

  close(): void { closeSync(this.fd); }
}

interface LogRecord { msg?: string; change_id?: string; change?: string; text?: string; alert?: string }

function records(output: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try { out.push(JSON.parse(line) as LogRecord); } catch { /* a line cut by SIGKILL */ }
  }
  return out;
}

test('chaos: every failure line read, every alert change delivered once and in order, through kill -9, rotations and a receiver outage', { timeout: 180_000 }, async (t) => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const outputs: string[] = [];
  await withWorld(({ receiver, dir }) => ({
    instance: 'chaos',
    log: { level: 'debug' },
    checks: [],
    logs: {
      sources: [{ name: 'board', kind: 'file', path: path.join(dir, 'chaos.log'), from: 'beginning', poll_interval: '100ms', rotate_wait: '1s' }],
      rule_packs: [],
      rules: [{ id: 'chaos', category: 'db_connection', severity: 'critical', pattern: 'CHAOS-FAIL id=[0-9]+', quiet_for: `${QUIET_FOR_MS}ms` }],
      restart_loop: { enabled: false },
    },
    alerts: {
      sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook` }],
      delivery: { initial_backoff: '100ms', max_backoff: '1s' },
    },
  }), async (w: World) => {
    const log = new ChaosLog(path.join(w.dir, 'chaos.log'));
    const t0 = Date.now();
    const killAt = Array.from({ length: KILLS }, () => 2_000 + random() * (RUN_MS - 5_000)).sort((a, b) => a - b);
    const rotateWhileDown = killAt.map(() => random() < 0.4);
    let done = false;
    let nextRotation = 2_000 + random() * 2_000;

    // The writer: its own loop, going on while the monitor is killed and started again.
    const writer = (async () => {
      while (Date.now() - t0 < RUN_MS) {
        const t = Date.now() - t0;
        log.write(t % BURST_EVERY_MS < 1_000 && t % 100 < 10);
        if (t >= nextRotation) {
          log.rotate();
          nextRotation = t + 2_000 + random() * 3_000;
        }
        const down = t >= RECEIVER_DOWN[0]! && t < RECEIVER_DOWN[1]!;
        w.receiver.status = down ? 503 : 200;
        await pause(10);
      }
      w.receiver.status = 200;
      done = true;
    })();

    try {
      for (let k = 0; k < KILLS; k++) {
        await pause(Math.max(0, t0 + killAt[k]! - Date.now()));
        if (done) break;
        await w.restart('SIGKILL', () => {
          outputs.push(w.monitor.output());
          log.timeline.push(`${logTime()} killed (next failure id ${log.failures.length})`);
          if (rotateWhileDown[k]) log.rotate('while down');
        });
      }
      await writer;
    } finally {
      done = true;
      await writer;
      log.close();
    }

    // Let the last episode resolve and the queue drain.
    const queueEmpty = async () => {
      const s = (await fetchStatus(w.monitor.base));
      return s.alerting.sinks.every((x) => x.queued === 0) && s.alerting.alerts.every((a) => a.state !== 'firing');
    };
    await waitFor(queueEmpty, 'every episode resolved and delivered', 30_000, 200);
    outputs.push(w.monitor.output());
    const all = outputs.flatMap(records);
    const context = `seed ${seed} (CHAOS_SEED=${seed} replays the kill times), ${log.failures.length} failure lines, ${log.lines} lines`;

    // 1. Every failure line written was read.
    const matched = new Set<number>();
    for (const r of all) {
      if (r.msg !== 'log match') continue;
      const m = /CHAOS-FAIL id=(\d+)/.exec(r.text ?? '');
      if (m) matched.add(Number(m[1]));
    }
    const unread = log.failures.filter((f) => !matched.has(f.id)).map((f) => f.id);
    if (unread.length > 0) {
      const said = all.filter((r) => /rotat|truncat|lost|gap|read failed|reading|listening|started/i.test(r.msg ?? '')).map((r) => JSON.stringify(r).slice(0, 300));
      t.diagnostic(`timeline:\n${log.timeline.join('\n')}\nthe monitor said:\n${said.join('\n')}`);
    }
    assert.deepEqual(unread.slice(0, 20), [], `${unread.length} failure lines never read; ${context}`);

    // 2. Every change the monitor logged reached the receiver; nothing else did.
    const logged = new Map<string, string>();
    for (const r of all) if (r.change_id && /^alert (firing|resolved|repeat|update)/.test(r.msg ?? '')) logged.set(r.change_id, r.change!);
    const received = new Map<string, string[]>();
    for (const req of w.receiver.accepted) {
      const key = String(req.headers['idempotency-key']);
      received.set(key, [...(received.get(key) ?? []), req.body]);
    }
    assert.deepEqual([...logged.keys()].filter((k) => !received.has(k)), [], `changes logged but never delivered; ${context}`);
    assert.deepEqual([...received.keys()].filter((k) => !logged.has(k)), [], `deliveries no change was logged for; ${context}`);

    // 3. A key is one change: a second acceptance is the same body, re-sent after a crash.
    for (const [key, bodies] of received) assert.ok(bodies.every((b) => b === bodies[0]), `key ${key} carried different changes; ${context}`);

    // 4. In order: by first acceptance, each alert's changes alternate firing/resolved, episodes ascending.
    const firsts: Array<{ key: string; at: number }> = [];
    for (const req of w.receiver.accepted) {
      const key = String(req.headers['idempotency-key']);
      if (!firsts.some((f) => f.key === key)) firsts.push({ key, at: req.at });
    }
    const byAlert = new Map<string, Array<{ episode: number; kind: string; seq: number }>>();
    for (const { key } of firsts) {
      const [fp, episode, kind, seq] = key.split('.');
      byAlert.set(fp!, [...(byAlert.get(fp!) ?? []), { episode: parseInt(episode!, 36), kind: kind!, seq: Number(seq) }]);
    }
    assert.equal(byAlert.size, 1, `one alert (the chaos rule); ${context}`);
    const changes = [...byAlert.values()][0]!;
    assert.deepEqual(changes.map((c) => c.kind), changes.map((_, i) => (i % 2 === 0 ? 'firing' : 'resolved')), `firing, resolved, ... in order; ${context}`);
    for (let i = 1; i < changes.length; i++) {
      const [a, b] = [changes[i - 1]!, changes[i]!];
      assert.ok(b.episode > a.episode || (b.episode === a.episode && b.seq > a.seq), `change ${i} out of order; ${context}`);
    }

    // 5. The episodes are those the absorption rule gives, from the failure lines' own times
    // (stamped to the millisecond): a new episode wherever the gap reaches quiet_for.
    let expected = 0;
    for (let i = 0; i < log.failures.length; i++) if (i === 0 || log.failures[i]!.at - log.failures[i - 1]!.at >= QUIET_FOR_MS) expected++;
    if (changes.length !== expected * 2) {
      const starts = changes.filter((c) => c.kind === 'firing').map((c) => new Date(c.episode).toISOString().slice(11, 23));
      const bursts = log.failures.filter((f, i) => i === 0 || f.at - log.failures[i - 1]!.at >= QUIET_FOR_MS).map((f) => `${new Date(f.at).toISOString().slice(11, 23)} (id ${f.id})`);
      t.diagnostic(`episodes began at ${starts.join(', ')}\nbursts began at ${bursts.join(', ')}\ntimeline:\n${log.timeline.join('\n')}`);
    }
    assert.equal(changes.length, expected * 2, `${expected} episodes, each fired and resolved once; ${context}`);
    const resent = [...received.values()].filter((b) => b.length > 1).length;
    t.diagnostic(`${context}; ${outputs.length - 1} kills; ${expected} episodes; ${received.size} changes delivered, ${resent} re-sent after a crash; ${w.receiver.requests.length - w.receiver.accepted.length} refused while the receiver was down`);
  });
});
