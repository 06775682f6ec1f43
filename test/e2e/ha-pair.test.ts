/**
 * An HA pair behind an Alertmanager cluster, all real and on loopback: two monitors (child
 * processes) with the same config but their own names watch the same board, and send every
 * alert to both members of a two-node Alertmanager cluster (gossip on loopback ports). The
 * receiver behind the cluster must get one firing and one resolved notification for an
 * incident, also when one monitor is killed in the middle of it, and a silence made on one
 * member must silence the alert from both monitors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startAlertmanager, type RealAlertmanager } from '../helpers/alertmanager.js';
import { startMonitor, writeConfig, type MonitorProcess } from '../helpers/monitor.js';
import { Receiver } from '../helpers/receiver.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

interface AmAlert { labels: Record<string, string>; status: { state: string; silencedBy: string[] }; endsAt: string }
interface Notification { status: string; alerts: Array<{ status: string; labels: Record<string, string> }> }

let dir: string;
let board: TestServer;
let upStatus = 500;
let rx: Receiver;
let am1: RealAlertmanager;
let am2: RealAlertmanager;
const monitors: MonitorProcess[] = [];

const amAlerts = async (am: RealAlertmanager, check: string) =>
  ((await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[]).filter((a) => a.labels.check === check);
/** The notifications the cluster sent for one check, in order: firing or resolved. */
const notified = (check: string) => rx.requests
  .map((r) => r.json as Notification)
  .filter((n) => n.alerts.some((a) => a.labels.check === check))
  .map((n) => n.status);

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fm-ha-'));
  board = await startHttpServer((req, res) => {
    if (req.url === '/door') res.writeHead(503).end('closed');
    else res.writeHead(upStatus).end(upStatus === 200 ? 'ok' : 'down');
  });
  rx = await Receiver.start();
  am1 = await startAlertmanager({ webhook: `${rx.url}/am`, cluster: { peers: [] } });
  am2 = await startAlertmanager({ webhook: `${rx.url}/am`, cluster: { peers: [am1.peer!] } });
  await waitFor(async () => {
    const s = (await (await fetch(`${am2.url}/api/v2/status`)).json()) as { cluster: { peers?: unknown[]; status: string } };
    return s.cluster.status === 'ready' && (s.cluster.peers?.length ?? 0) === 2;
  }, 'the two Alertmanagers to form a cluster', 20_000);
});

after(async () => {
  for (const m of monitors) await m.stop('SIGKILL');
  await am2?.stop();
  await am1?.stop();
  await rx?.close();
  await board?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The same config for both; only the monitor's name and its state file differ. */
function config(instance: string): string {
  const file = path.join(dir, `${instance}.yaml`);
  writeConfig(file, {
    instance,
    state_file: path.join(dir, `${instance}-state.json`),
    checks: [
      { name: 'up', kind: 'http', url: `${board.url}/up`, schedule: '* * * * * *', timeout: '900ms' },
      { name: 'door', kind: 'http', url: `${board.url}/door`, schedule: '* * * * * *', timeout: '900ms' },
    ],
    alerts: {
      failure_threshold: 2,
      instance_label: false,
      sinks: [{ name: 'cluster', kind: 'alertmanager', urls: [am1.url, am2.url], resend_interval: '1s', resolve_resend_for: '10s' }],
    },
  });
  return file;
}

test('two monitors, one incident: one firing and one resolved notification, though one monitor is killed in the middle of it', async () => {
  // The silence for the door goes to one member only, before either monitor starts.
  const silence = await fetch(`${am1.url}/api/v2/silences`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ matchers: [{ name: 'check', value: 'door', isRegex: false, isEqual: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: 'ha-test', comment: 'door closed for the winter' }),
  });
  assert.equal(silence.status, 200);
  await waitFor(async () => ((await (await fetch(`${am2.url}/api/v2/silences`)).json()) as unknown[]).length === 1, 'the silence gossiped to the other member');

  monitors.push(await startMonitor(config('monitor-a')), await startMonitor(config('monitor-b')));
  await waitFor(() => notified('up').includes('firing'), 'the firing notification', 20_000);
  const both = await amAlerts(am2, 'up');
  assert.equal(both.length, 1, 'the two monitors\' alerts are one alert (the same labels)');
  assert.equal(both[0]!.labels.instance, undefined, 'no per-instance label in alerts');

  // Monitor b dies mid-incident; a keeps the alert alive past b's last endsAt (4 re-sends ahead).
  const [a, b] = monitors;
  await b!.stop('SIGKILL');
  const killedAt = Date.now();
  await waitFor(async () => Date.parse((await amAlerts(am1, 'up'))[0]?.endsAt ?? '0') > killedAt + 6_000, 'monitor a to push the alert on after b died', 15_000);
  assert.equal((await amAlerts(am1, 'up'))[0]!.status.state, 'active');

  upStatus = 200;
  await waitFor(() => notified('up').includes('resolved'), 'the resolved notification', 20_000);
  // Both members have had time to notify (each waits its position times peer-timeout, 2s, then
  // a group_interval, 2s): still one of each.
  await waitFor(async () => (await amAlerts(am2, 'up')).length === 0, 'the alert gone from the second member too', 15_000);
  await new Promise((r) => setTimeout(r, 5_000));
  assert.deepEqual(notified('up'), ['firing', 'resolved']);

  // The door's alert came from both monitors to both members, and the one silence holds it.
  const door = await amAlerts(am2, 'door');
  assert.equal(door.length, 1);
  assert.equal(door[0]!.status.state, 'suppressed');
  assert.equal(door[0]!.status.silencedBy.length, 1);
  assert.deepEqual(notified('door'), []);
  assert.ok(a!.output().length > 0);
});
