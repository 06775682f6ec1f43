import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine.js';
import { AlertmanagerSink } from '../../src/alerts/sinks/alertmanager.js';
import { createSink } from '../../src/alerts/sinks/index.js';
import type { AlertChange } from '../../src/alerts/types.js';
import { validateConfig } from '../../src/config/load.js';
import type { SinkConfig } from '../../src/config/schema.js';
import type { Signal } from '../../src/signals.js';
import { startAlertmanager, type RealAlertmanager } from '../helpers/alertmanager.js';
import { Receiver } from '../helpers/receiver.js';
import { waitFor } from '../helpers/wait.js';

const ROUTING_KEY = 'R0uting-Key-0123456789abcdef';
const ctx = { instance: 'iad-1', externalUrl: 'https://monitor.example.net', warn: () => {} };

function changes(): AlertChange[] {
  const out: AlertChange[] = [];
  const e = new AlertEngine({ instance: 'iad-1', repeatIntervalMs: 3600_000, onChange: (c) => out.push(c) });
  const s = (ok: boolean): Signal => ({
    source: 'log', key: 'log:app:host_key_regenerated', ok, severity: 'critical', category: 'ssh_host_key', reason: 'host_key_regenerated',
    summary: 'ssh_host_key in app: Foglet.SSH.HostKey: no host key in /data/ssh, generating ssh_host_ed25519_key',
    labels: { rule: 'host_key_regenerated', category: 'ssh_host_key', log_source: 'app' },
    evidence: ok ? undefined : { lines: ['10:00:06.000 [info] Foglet.SSH.HostKey: no host key in /data/ssh, generating ssh_host_ed25519_key'], runbook: 'Keep SSH_HOST_KEY_DIR on /data.' },
    at: '',
  });
  e.observe(s(false));
  e.observe(s(true));
  return out;
}

function sink(cfg: Record<string, unknown>): SinkConfig {
  return validateConfig({ alerts: { sinks: [{ name: 's', ...cfg }] } }).alerts.sinks[0]!;
}

describe('sinks', () => {
  let rx: Receiver;
  before(async () => { rx = await Receiver.start(); });
  after(() => rx.close());

  test('slack: one line that says what, where and since when; the evidence in a code block', async () => {
    rx.requests.length = 0;
    const s = createSink(sink({ kind: 'slack', url: `${rx.url}/services/T0/B0/xyz` }), ctx);
    const [fire, resolve] = changes();
    await s.send(fire!);
    await s.send(resolve!);
    const [a, b] = rx.requests.map((r) => r.json as { text: string; blocks: Array<{ text?: { text: string } }> });
    assert.match(a!.text, /^:red_circle: Firing \[critical\]: ssh_host_key in app: .*no host key in \/data\/ssh.* since 20\d\d-/);
    assert.match(a!.blocks[1]!.text!.text, /^```10:00:06\.000 \[info\] Foglet\.SSH\.HostKey/);
    assert.match(b!.text, /^:large_green_circle: Resolved: /);
  });

  test('pagerduty: Events API v2, dedup_key is the fingerprint; 202 is success, 400 is dropped, 429 and 5xx retried', async () => {
    rx.requests.length = 0;
    rx.status = 202;
    const s = createSink(sink({ kind: 'pagerduty', routing_key: ROUTING_KEY, url: `${rx.url}/v2/enqueue` }), ctx);
    const [fire, resolve] = changes();
    await s.send(fire!);
    await s.send(resolve!);
    const [t, r] = rx.requests.map((x) => x.json as Record<string, any>);
    assert.equal(t!.routing_key, ROUTING_KEY);
    assert.equal(t!.event_action, 'trigger');
    assert.equal(t!.dedup_key, fire!.alert.fingerprint);
    assert.equal(t!.payload.severity, 'critical');
    assert.equal(t!.payload.source, 'app');
    assert.equal(t!.payload.custom_details.reason, 'host_key_regenerated');
    assert.match(t!.payload.custom_details.log_lines, /no host key in \/data\/ssh/);
    assert.deepEqual(r, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: fire!.alert.fingerprint });
    for (const [status, retryable] of [[400, false], [429, true], [503, true]] as const) {
      rx.status = status;
      await assert.rejects(s.send(fire!), (e: { retryable: boolean }) => e.retryable === retryable, `HTTP ${status}`);
    }
    rx.status = 200;
  });
});

describe('alertmanager sink against a real Alertmanager', () => {
  let am: RealAlertmanager;
  before(async () => { am = await startAlertmanager(); });
  after(() => am.stop());

  interface AmAlert { labels: Record<string, string>; annotations: Record<string, string>; fingerprint: string; status: { state: string }; endsAt: string }
  const alerts = async () => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];

  test('a pushed alert shows up with its labels and evidence, is kept alive by re-sends, and resolves', async () => {
    const s = new AlertmanagerSink(sink({ kind: 'alertmanager', url: am.url, resend_interval: '1s' }) as Extract<SinkConfig, { kind: 'alertmanager' }>, ctx);
    const [fire, resolve] = changes();
    await s.send(fire!);
    const shown = await waitFor(async () => (await alerts()).find((a) => a.labels.rule === 'host_key_regenerated'), 'the alert in Alertmanager');
    assert.equal(shown.status.state, 'active');
    assert.equal(shown.labels.alertname, 'FogletLogRule');
    assert.equal(shown.labels.instance, 'iad-1');
    assert.match(shown.annotations.evidence!, /no host key in \/data\/ssh/);
    const firstEnd = Date.parse(shown.endsAt);

    s.start();
    await waitFor(async () => Date.parse((await alerts()).find((a) => a.labels.rule === 'host_key_regenerated')?.endsAt ?? '0') > firstEnd,
      'a re-send to move endsAt on');
    await s.send(resolve!);
    s.stop();
    await waitFor(async () => !(await alerts()).some((a) => a.labels.rule === 'host_key_regenerated'), 'the alert to resolve');
  });

  test('after a restart, the alerts still firing are pushed again (else Alertmanager would resolve them)', async () => {
    const [fire] = changes();
    const fingerprintRule = `restart_${Date.now()}`;
    const alert = { ...fire!.alert, labels: { ...fire!.alert.labels, rule: fingerprintRule } };
    const s = new AlertmanagerSink(sink({ kind: 'alertmanager', url: am.url, resend_interval: '1s' }) as Extract<SinkConfig, { kind: 'alertmanager' }>, ctx);
    s.resume([alert]);
    s.start();
    try {
      await waitFor(async () => (await alerts()).some((a) => a.labels.rule === fingerprintRule), 'the resumed alert pushed by the re-send');
    } finally {
      s.stop();
    }
  });
});
