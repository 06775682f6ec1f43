import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlertmanagerSink } from '../../../src/alerts/sinks/alertmanager/sink.js';
import { startAlertmanager, type RealAlertmanager } from '../../helpers/alertmanager.js';
import { changes, sinkConfig, sinkContext } from '../../helpers/sinks.js';
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
