import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signature } from '../../src/alerts/sinks/webhook/sink.js';
import { validateConfig } from '../../src/config/load.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { Receiver } from '../helpers/receiver.js';
import { LogSink } from '../helpers/sink.js';
import { checkRuns } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';

const SECRETS = {
  hmac: 'Webhook-Hmac-Secret-77',
  urlToken: 'T0K3N-in-the-webhook-path-5150',
  routingKey: 'PD-Routing-Key-abcdef0123456789',
  password: 'Probe-Login-Pa55word',
};

interface Payload { status: string; change: string; alerts: Array<{ fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }> }

describe('daemon: probe failures page through the sinks, once, and resolve', () => {
  let board: FakeFoglet;
  let hook: Receiver;
  let pager: Receiver;
  let dir: string;
  let daemon: Daemon;
  const logs = new LogSink();
  const config = () => validateConfig({
    instance: 'alerts-1',
    state_file: path.join(dir, 'state.json'),
    checks: [{
      name: 'ssh-login', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s',
      host_key: board.ssh.hostKeyFingerprint, expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q',
      login: { handle: 'probe', password: SECRETS.password }, failure_threshold: 2,
    }],
    alerts: {
      sinks: [
        { name: 'hook', kind: 'webhook', url: `${hook.url}/hooks/${SECRETS.urlToken}`, secret: SECRETS.hmac },
        { name: 'oncall', kind: 'pagerduty', routing_key: SECRETS.routingKey, url: `${pager.url}/v2/enqueue`, severities: ['critical'] },
      ],
      delivery: { initial_backoff: '50ms', max_backoff: '200ms' },
    },
  });
  const firing = () => hook.accepted.map((r) => r.json as Payload).filter((p) => p.change === 'firing');
  const resolved = () => hook.accepted.map((r) => r.json as Payload).filter((p) => p.status === 'resolved');

  before(async () => {
    board = await FakeFoglet.start();
    board.ssh.accounts.set('probe', SECRETS.password);
    hook = await Receiver.start();
    pager = await Receiver.start();
    pager.status = 202;
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-daemon-alerts-'));
    daemon = await startDaemon({ config: config(), logs, logLevel: 'debug' });
  });
  after(async () => {
    await daemon.stop();
    await board.stop();
    await hook.close();
    await pager.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a broken SSH login fires after failure_threshold runs, to the webhook (signed) and the pager', async () => {
    await waitFor(async () => (await checkRuns(`http://${daemon.address}`))[0]! >= 1, 'a passing run');
    board.ssh.fault = 'session_rejected';
    await waitFor(() => firing().length === 1 && pager.accepted.length === 1, 'the page', 10_000);
    const req = hook.accepted[0]!;
    assert.equal(req.headers['x-foglet-signature'], signature(SECRETS.hmac, req.body));
    const p = req.json as Payload;
    assert.equal(p.alerts[0]!.labels.check, 'ssh-login');
    assert.equal(p.alerts[0]!.labels.instance, 'alerts-1');
    assert.equal(p.alerts[0]!.annotations.reason, 'session_rejected');
    const pd = pager.accepted[0]!.json as { event_action: string; dedup_key: string };
    assert.equal(pd.event_action, 'trigger');
    assert.equal(pd.dedup_key, p.alerts[0]!.fingerprint);
  });

  test('a restart mid-outage does not page again; the resolve is sent when the board recovers', async () => {
    await daemon.stop();
    const saved = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as { sections: { alerts: Array<{ alert: { state: string } }> } };
    assert.equal(saved.sections.alerts[0]!.alert.state, 'firing');
    daemon = await startDaemon({ config: config(), logs, logLevel: 'debug' });
    await waitFor(async () => (await checkRuns(`http://${daemon.address}`))[0]! >= 2, 'two runs after the restart', 8000);
    assert.equal(firing().length, 1, 'no second page');
    assert.equal(pager.accepted.length, 1);

    board.ssh.fault = 'none';
    await waitFor(() => resolved().length === 1 && pager.accepted.length === 2, 'the resolve', 10_000);
    assert.equal((pager.accepted[1]!.json as { event_action: string }).event_action, 'resolve');
    const status = (await fetchStatus(`http://${daemon.address}`));
    assert.equal(status.alerting.alerts[0]!.state, 'resolved');
    assert.deepEqual(status.alerting.sinks.map((s) => s.queued), [0, 0]);
  });

  test('secrets never reach a payload (but the pager its own key), the logs, /status or /metrics', async () => {
    const statusText = await (await fetch(`http://${daemon.address}/status`)).text();
    const metricsText = await (await fetch(`http://${daemon.address}/metrics`)).text();
    assert.match(metricsText, /foglet_monitor_notifications_total\{sink="hook",outcome="sent"\} [1-9]/);
    assert.match(metricsText, /foglet_monitor_alerts\{state="resolved",severity="critical"\} 1/);
    const hookBodies = hook.requests.map((r) => r.body).join('\n');
    const pagerBodies = pager.requests.map((r) => r.body.replaceAll(`"routing_key":"${SECRETS.routingKey}"`, '')).join('\n');
    for (const secret of Object.values(SECRETS)) {
      for (const [where, text] of [['status', statusText], ['metrics', metricsText], ['logs', logs.text], ['webhook', hookBodies], ['pager', pagerBodies]]) {
        assert.ok(!text!.includes(secret), `${secret} in ${where}`);
      }
    }
  });
});
