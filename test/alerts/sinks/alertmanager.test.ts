import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlertmanagerSink } from '../../../src/alerts/sinks/alertmanager/sink.js';
import { startAlertmanager, type RealAlertmanager } from '../../helpers/alertmanager.js';
import { changes, sinkConfig, sinkContext } from '../../helpers/sinks.js';
import { closedPort, startTcpServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';

describe('alertmanager sink against a real Alertmanager', () => {
  let am: RealAlertmanager;
  before(async () => { am = await startAlertmanager(); });
  after(() => am.stop());

  interface AmAlert { labels: Record<string, string>; annotations: Record<string, string>; fingerprint: string; status: { state: string }; endsAt: string }
  const alerts = async () => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];

  test('a pushed alert shows up with its labels and evidence, is kept alive by re-sends, and resolves', async () => {
    const s = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', url: am.url, resend_interval: '1s' }), sinkContext);
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
    const s = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', url: am.url, resend_interval: '1s' }), sinkContext);
    s.resume([alert]);
    s.start();
    try {
      await waitFor(async () => (await alerts()).some((a) => a.labels.rule === fingerprintRule), 'the resumed alert pushed by the re-send');
    } finally {
      s.stop();
    }
  });
});

describe('alertmanager sink: a cluster and the watchdog', () => {
  let amA: RealAlertmanager;
  let amB: RealAlertmanager;
  before(async () => { [amA, amB] = await Promise.all([startAlertmanager(), startAlertmanager()]); });
  after(async () => { await amA.stop(); await amB.stop(); });

  const listed = async (am: RealAlertmanager, rule: string) =>
    ((await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string> }>).some((a) => a.labels.rule === rule || a.labels.alertname === rule);

  test('with urls, every push goes to every member; one member down is warned of, all down is a failed delivery', async () => {
    const warnings: string[] = [];
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const [fire] = changes();
    const rule = `cluster_${Date.now()}`;
    const alert = { ...fire!, alert: { ...fire!.alert, labels: { ...fire!.alert.labels, rule } } };
    const s = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', urls: [amA.url, amB.url, dead] }), { ...sinkContext, warn: (_o, m) => warnings.push(m) });
    await s.send(alert);
    // Delivered once one member took it; the other live member and the warning follow on their own.
    await waitFor(async () => await listed(amA, rule) && await listed(amB, rule), 'both live members to have it');
    await waitFor(() => warnings.length === 1, 'the warning about the member that is down');
    assert.match(warnings[0]!, /one Alertmanager of the cluster did not take the push/);
    const allDead = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', urls: [dead, `http://127.0.0.1:${await closedPort()}`] }), sinkContext);
    await assert.rejects(allDead.send(alert), /every Alertmanager refused or was unreachable/);
  });

  test('a member that hangs does not hold the push: delivered when another takes it, while the hung request is still open', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hung = await startTcpServer((sock) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); });
    try {
      const warnings: string[] = [];
      const [fire] = changes();
      const rule = `hung_${Date.now()}`;
      const s = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', urls: [`http://127.0.0.1:${new URL(hung.url).port}`, amA.url], timeout: '30s' }),
        { ...sinkContext, warn: (_o, m) => warnings.push(m) });
      await s.send({ ...fire!, alert: { ...fire!.alert, labels: { ...fire!.alert.labels, rule } } });
      // Delivered, and the hung member never answered: its request is open (its connection may
      // reach the server a moment after the other member's answer), and there is nothing to warn
      // of yet. Waiting for every member would have taken the 30 s timeout, then warned.
      await waitFor(() => sockets.size === 1, 'the hung member\'s request, still open');
      assert.ok(await listed(amA, rule));
      assert.deepEqual(warnings, [], 'nothing to say yet about the hung member');
    } finally {
      for (const sock of sockets) sock.destroy();
      await hung.close();
    }
  });

  test('the watchdog fires with every re-send while the monitor is healthy, and not while it is not', async () => {
    let ok = true;
    const s = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', url: amA.url, watchdog: true }), { ...sinkContext, instanceLabel: false, health: () => ({ ok, reasons: ok ? [] : ['scheduler not running'] }) });
    assert.deepEqual(s.watchdog()?.labels, { alertname: 'FogletMonitorWatchdog', severity: 'none' });
    await s.resend();
    assert.ok(await listed(amA, 'FogletMonitorWatchdog'));
    ok = false;
    assert.equal(s.watchdog(), undefined);
    const reloading = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', url: amA.url, watchdog: true }), { ...sinkContext, health: () => ({ ok: false, settling: true, reasons: ['reloading'] }) });
    assert.ok(reloading.watchdog(), 'a reload is no reason for the dead man\'s switch to page');
    const quiet = new AlertmanagerSink(sinkConfig({ kind: 'alertmanager', url: amB.url, watchdog: true }), { ...sinkContext, health: () => ({ ok: false, reasons: ['stalled'] }) });
    await quiet.resend();
    assert.equal(await listed(amB, 'FogletMonitorWatchdog'), false);
  });

  test('url and urls: exactly one of them, the error names the field', () => {
    assert.throws(() => sinkConfig({ kind: 'alertmanager', url: amA.url, urls: [amB.url] }), /alerts\.sinks\[0\]\.url.*either url .* or urls/s);
    assert.throws(() => sinkConfig({ kind: 'alertmanager' }), /either url/);
  });
});
