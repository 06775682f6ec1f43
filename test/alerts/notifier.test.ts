import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine.js';
import { Notifier, type QueuedNotification } from '../../src/alerts/notifier.js';
import { createSink } from '../../src/alerts/sinks/index.js';
import { signature } from '../../src/alerts/sinks/webhook/sink.js';
import { validateConfig } from '../../src/config/load.js';
import { Metrics } from '../../src/metrics.js';
import type { Signal } from '../../src/signals.js';
import { SECTIONS, StateStore } from '../../src/state.js';
import { Receiver } from '../helpers/receiver.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'hmac-Shared-Secret-99';

function signal(ok: boolean, reason = 'session_rejected'): Signal {
  return {
    source: 'probe', key: 'check:ssh-login', ok, severity: 'critical', category: 'ssh', reason,
    summary: ok ? 'ssh-login passed' : `ssh-login failed: ${reason}`, labels: { check: 'ssh-login', target: '127.0.0.1:2222' },
    evidence: ok ? undefined : { screen: 'Connection refused.' }, at: '',
  };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fm-notifier-'));
let files = 0;
const opened: StateStore[] = [];

/** The queue in a real state file, as the daemon keeps it; `reopen` is the next process reading that file. */
class FileQueue {
  readonly state: StateStore;
  constructor(readonly file = path.join(tmp, `state-${files++}.json`)) { this.state = new StateStore(file); opened.push(this.state); }
  load() { return this.state.get<QueuedNotification[]>(SECTIONS.notificationQueue); }
  save(q: QueuedNotification[]) { this.state.set(SECTIONS.notificationQueue, q); }
  get saved(): QueuedNotification[] { return this.load() ?? []; }
  async reopen(): Promise<FileQueue> {
    await this.state.flush();
    const next = new FileQueue(this.file);
    await next.state.load();
    return next;
  }
}

function setup(sinks: unknown[], store = new FileQueue(), delivery: Partial<{ maxQueue: number; maxAgeMs: number }> = {}) {
  const config = validateConfig({ alerts: { sinks } });
  const logs: string[] = [];
  const logger = { info: () => {}, warn: (_o: object, m: string) => { logs.push(m); }, error: (_o: object, m: string) => { logs.push(m); } };
  const metrics = new Metrics();
  const notifier = new Notifier({
    sinks: config.alerts.sinks.map((c) => createSink(c, { instance: 'test', warn: () => {} })),
    delivery: { initialBackoffMs: 20, maxBackoffMs: 100, maxAgeMs: 60_000, maxQueue: 100, failingAfterMs: 60_000, ...delivery },
    store, metrics, logger: logger as never,
  });
  const engine = new AlertEngine({ instance: 'test', repeatIntervalMs: 3600_000, onChange: (c) => notifier.notify(c) });
  return { notifier, engine, store, logs, metrics };
}

describe('notifier and webhook sink', () => {
  let rx: Receiver;
  before(async () => { rx = await Receiver.start(); });
  after(async () => {
    await rx.close();
    await Promise.all(opened.map((st) => st.flush())); // no batched write lands after the directory is gone
    rmSync(tmp, { recursive: true, force: true });
  });

  test('an Alertmanager v4 payload, signed with HMAC-SHA256, with an idempotency key', async () => {
    rx.requests.length = 0;
    rx.status = 200;
    const { notifier, engine } = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/hook`, secret: SECRET }]);
    notifier.start();
    engine.observe(signal(false));
    await waitFor(() => rx.accepted.length === 1, 'the firing');
    await notifier.stop();
    const req = rx.requests[0]!;
    assert.equal(req.headers['x-foglet-signature'], signature(SECRET, req.body), 'the HMAC verifies');
    assert.notEqual(req.headers['x-foglet-signature'], signature('another-secret', req.body));
    const p = req.json as { version: string; status: string; receiver: string; alerts: Array<{ status: string; labels: Record<string, string>; fingerprint: string; endsAt: string; annotations: Record<string, string> }>; commonLabels: object };
    assert.equal(p.version, '4');
    assert.equal(p.status, 'firing');
    assert.equal(p.receiver, 'hook');
    assert.equal(p.alerts[0]!.labels.check, 'ssh-login');
    assert.equal(p.alerts[0]!.annotations.reason, 'session_rejected');
    assert.equal(p.alerts[0]!.annotations.screen, 'Connection refused.');
    assert.equal(p.alerts[0]!.endsAt, '0001-01-01T00:00:00Z');
    assert.match(String(req.headers['idempotency-key']), new RegExp(`^${p.alerts[0]!.fingerprint}\\.[0-9a-z]+\\.firing\\.1$`));
    assert.ok(!req.body.includes(SECRET));
  });

  test('a receiver that answers 500 for a while gets every change once, in order', async () => {
    rx.requests.length = 0;
    rx.status = ({ n }) => (n < 4 ? 500 : 200);
    const { notifier, engine, metrics, store } = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/flaky` }]);
    notifier.start();
    engine.observe(signal(false));
    engine.observe(signal(false, 'rate_limited'));
    engine.observe(signal(true));
    await waitFor(() => rx.accepted.length === 3 && store.saved.length === 0, 'three changes delivered, the queue drained', 8000);
    await notifier.stop();
    const seen = rx.accepted.map((r) => {
      const p = r.json as { status: string; change: string; alerts: Array<{ annotations: { reason: string } }> };
      return `${p.change}:${p.alerts[0]!.annotations.reason}`;
    });
    assert.deepEqual(seen, ['firing:session_rejected', 'update:rate_limited', 'resolved:rate_limited']);
    assert.equal(rx.requests.length, 7, 'four failures, then three deliveries');
    const text = await metrics.registry.getSingleMetricAsString('foglet_monitor_notifications_total');
    assert.match(text, /sink="hook",outcome="retried"} 4/);
    assert.match(text, /sink="hook",outcome="sent"} 3/);
  });

  test('a 4xx other than 429 is dropped with an error, and the next change still goes', async () => {
    rx.requests.length = 0;
    rx.status = ({ n }) => (n === 0 ? 400 : 200);
    const { notifier, engine, logs } = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/strict` }]);
    notifier.start();
    engine.observe(signal(false));
    engine.observe(signal(true));
    await waitFor(() => rx.accepted.length === 1, 'the resolve');
    await notifier.stop();
    assert.equal(rx.requests.length, 2);
    assert.ok(logs.some((l) => /rejected by the sink; dropped/.test(l)));
  });

  test('the queue survives a restart: what a down sink missed is delivered by the next process, once', async () => {
    rx.requests.length = 0;
    rx.status = 503;
    const first = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/down` }]);
    first.notifier.start();
    first.engine.observe(signal(false));
    await waitFor(() => rx.requests.length >= 2, 'two failed attempts');
    await first.notifier.stop();
    const store = await first.store.reopen();
    assert.equal(store.saved.length, 1, 'kept in the state');

    rx.status = 200;
    const second = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/down` }], store);
    second.notifier.start();
    await waitFor(() => rx.accepted.length === 1 && store.saved.length === 0, 'delivery after the restart, the queue drained');
    await second.notifier.stop();
    assert.equal(rx.accepted.length, 1);
    assert.equal(store.saved.length, 0);
  });

  test('a sink down while an alert fires, resolves and fires again gets all three changes, each with its own key', async () => {
    // Found under faults: the key was <fingerprint>-<seq> and seq began anew with each
    // episode, so the second firing was queued as a duplicate of the first and vanished.
    rx.requests.length = 0;
    rx.status = 503;
    const { notifier, engine, store } = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/episodes` }]);
    notifier.start();
    engine.observe(signal(false));
    await waitFor(() => rx.requests.length >= 1, 'the first attempt');
    engine.observe(signal(true));
    engine.observe(signal(false)); // the same millisecond: a new episode all the same
    assert.equal(store.saved.length, 3, 'three distinct changes queued');
    rx.status = 200;
    await waitFor(() => rx.accepted.length === 3 && store.saved.length === 0, 'every change once the sink is back, the queue drained', 8000);
    await notifier.stop();
    assert.equal(rx.accepted.length, 3, 'nothing merged, nothing doubled');
    assert.deepEqual(rx.accepted.map((r) => (r.json as { change: string }).change), ['firing', 'resolved', 'firing']);
    const keys = rx.accepted.map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(keys).size, 3, `distinct keys: ${keys.join(' ')}`);
    // Re-sent after a crash, the same change keeps its key: it is part of the change, not of the send.
    const firstTry = rx.requests.find((r) => r.status >= 500)!;
    assert.equal(firstTry.headers['idempotency-key'], keys[0]);
  });

  test('sinks take only what their filter names', async () => {
    rx.requests.length = 0;
    rx.status = 200;
    const { notifier, engine, store } = setup([
      { name: 'pager', kind: 'webhook', url: `${rx.url}/pager`, severities: ['critical'] },
      { name: 'chat', kind: 'webhook', url: `${rx.url}/chat`, severities: ['warning'] },
      { name: 'ssh-only', kind: 'webhook', url: `${rx.url}/ssh`, labels: { check: 'ssh-login' } },
    ]);
    notifier.start();
    engine.observe(signal(false));
    await waitFor(() => rx.accepted.length === 2 && store.saved.length === 0, 'two sinks, the queue drained');
    await notifier.stop();
    assert.deepEqual(rx.accepted.map((r) => r.path).sort(), ['/pager', '/ssh']);
  });

  test('the queue is bounded: the oldest are dropped and counted; a notification too old is dropped too', async () => {
    rx.requests.length = 0;
    rx.status = 503;
    const { notifier, engine, metrics, logs, store } = setup([{ name: 'hook', kind: 'webhook', url: `${rx.url}/full` }], new FileQueue(), { maxQueue: 3, maxAgeMs: 300 });
    notifier.start();
    for (const reason of ['timeout', 'rate_limited', 'session_rejected', 'auth_failed', 'screen_timeout']) engine.observe(signal(false, reason));
    assert.equal(store.saved.length, 3, 'five changes, three kept');
    assert.ok(logs.some((l) => /queue full; dropped the oldest/.test(l)));
    await waitFor(() => store.saved.length === 0, 'the rest to expire', 5000);
    await notifier.stop();
    assert.ok(logs.some((l) => /undelivered for longer than alerts.delivery.max_age/.test(l)));
    const text = await metrics.registry.getSingleMetricAsString('foglet_monitor_notifications_total');
    assert.match(text, /sink="hook",outcome="dropped"} 5/);
    assert.match(text, /sink="hook",outcome="sent"} 0/);
  });
});
