import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSink } from '../../../src/alerts/sinks/index.js';
import { Receiver } from '../../helpers/receiver.js';
import { changes, sinkConfig, sinkContext } from '../../helpers/sinks.js';

const ROUTING_KEY = 'R0uting-Key-0123456789abcdef';

let rx: Receiver;
before(async () => { rx = await Receiver.start(); });
after(() => rx.close());

test('pagerduty: Events API v2, dedup_key is the fingerprint; 202 is success, 400 is dropped, 429 and 5xx retried', async () => {
  rx.status = 202;
  const s = createSink(sinkConfig({ kind: 'pagerduty', routing_key: ROUTING_KEY, url: `${rx.url}/v2/enqueue` }), sinkContext);
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
});

test('pagerduty: an alert with no target or source (a sink failing, no instance label) still names a source, as the Events API requires', async () => {
  rx.requests.length = 0;
  rx.status = 202;
  const s = createSink(sinkConfig({ kind: 'pagerduty', routing_key: ROUTING_KEY, url: `${rx.url}/v2/enqueue` }), { ...sinkContext, instanceLabel: false });
  const [fire] = changes();
  const bare = { ...fire!, alert: { ...fire!.alert, labels: { alertname: 'FogletMonitorSinkFailing', sink: 'hook', severity: 'critical' } } };
  await s.send(bare);
  assert.equal((rx.requests[0]!.json as { payload: { source: string } }).payload.source, 'iad-1');
});
