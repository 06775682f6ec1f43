/**
 * A failing sink is visible and alerts through the others: per sink, what was
 * delivered, retried and dropped and the last error in /status, /metrics and the
 * status page; FogletMonitorSinkFailing when a sink rejects a change (an expired token,
 * a deleted channel) or keeps failing for failing_after; resolved once it delivers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';

interface Payload { status: string; change: string; alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> }

/** /up checked every second, failing at once; two webhook sinks, `pager` and `chat`, on one receiver. */
function pagerAndChat(delivery: Record<string, string>) {
  return startStack(({ board, receiver }) => ({
    instance: 'sinks',
    checks: [{ name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '* * * * * *', timeout: '2s', expect: { status: [200] } }],
    alerts: {
      failure_threshold: 1,
      sinks: [
        { name: 'pager', kind: 'webhook', url: `${receiver.url}/pager` },
        { name: 'chat', kind: 'webhook', url: `${receiver.url}/chat` },
      ],
      delivery: { initial_backoff: '50ms', max_backoff: '200ms', ...delivery },
    },
  }));
}

const sinkStatus = async (base: string) =>
  ((await fetchStatus(base))).alerting.sinks;

test('a sink that rejects a change (410 Gone) raises FogletMonitorSinkFailing through the others, never through itself, and resolves when it delivers again', async () => {
  let pagerStatus = 410;
  const stack = await pagerAndChat({});
  try {
    stack.receiver.status = ({ path }) => (path === '/pager' ? pagerStatus : 200);
    const at = (p: string) => stack.receiver.accepted.filter((r) => r.path === p).map((r) => r.json as Payload);
    stack.board.httpFault = 'status_500';
    await waitFor(() => at('/chat').some((p) => p.alerts[0]!.labels.alertname === 'FogletMonitorSinkFailing'), 'the sink alert, through chat', 10_000);
    const alert = at('/chat').find((p) => p.alerts[0]!.labels.alertname === 'FogletMonitorSinkFailing')!;
    assert.equal(alert.alerts[0]!.labels.sink, 'pager');
    assert.equal(alert.alerts[0]!.labels.severity, 'critical', 'a sink that carries critical alerts is a pager: losing it is critical');
    assert.match(alert.alerts[0]!.annotations.summary!, /pager \(webhook\) are not getting through: rejected a firing: HTTP 410/);
    assert.equal(stack.receiver.requests.filter((r) => r.path === '/pager' && /SinkFailing/.test(r.body)).length, 0, 'not through the failing sink itself');

    const pager = (await sinkStatus(stack.base)).find((s) => s.sink === 'pager')!;
    assert.equal(pager.failing, true);
    assert.equal(pager.dropped, 1);
    assert.match(pager.last_error!, /HTTP 410/);
    assert.match(await (await fetch(`${stack.base}/metrics`)).text(), /foglet_monitor_sink_failing\{sink="pager"\} 1/);
    const page = await (await fetch(`${stack.base}/`)).text();
    assert.match(page, /<span class="badge failing">failing<\/span> pager/);

    pagerStatus = 200;
    stack.board.httpFault = 'none';
    await waitFor(() => at('/pager').some((p) => p.status === 'resolved'), 'the pager takes the next change (the check resolving)', 10_000);
    await waitFor(() => at('/chat').some((p) => p.alerts[0]!.labels.alertname === 'FogletMonitorSinkFailing' && p.status === 'resolved'), 'the sink alert resolved', 10_000);
    const after = (await sinkStatus(stack.base)).find((s) => s.sink === 'pager')!;
    assert.equal(after.failing, false);
    assert.ok(after.delivered >= 1);
  } finally {
    await stack.stop();
  }
});

test('a sink that keeps failing with retryable errors is failing after failing_after, and its changes still wait for it', async () => {
  const stack = await pagerAndChat({ failing_after: '1s' });
  try {
    stack.receiver.status = ({ path }) => (path === '/pager' ? 503 : 200);
    stack.board.httpFault = 'status_500';
    await waitFor(async () => (await sinkStatus(stack.base)).find((s) => s.sink === 'pager')?.failing, 'the pager to be failing', 10_000);
    const pager = (await sinkStatus(stack.base)).find((s) => s.sink === 'pager')!;
    assert.ok(pager.retried >= 2, `retried ${pager.retried}`);
    assert.equal(pager.dropped, 0, 'retryable: nothing given up');
    await waitFor(() => stack.receiver.accepted.some((r) => r.path === '/chat' && /FogletMonitorSinkFailing/.test(r.body)), 'the alert through chat', 10_000);
  } finally {
    await stack.stop();
  }
});

