/** A reload that fails while it is applied: the running config comes back, or the monitor says it is broken. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, RedactorRef } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { applyReload } from '../src/reload.js';
import { LogSink } from './helpers/sink.js';

async function reloads(metrics: Metrics, outcome: string): Promise<number> {
  const m = (await metrics.registry.getSingleMetric('foglet_monitor_config_reloads_total')!.get()).values.find((v) => v.labels.outcome === outcome);
  return m?.value ?? 0;
}

function setup() {
  const sink = new LogSink();
  return { sink, metrics: new Metrics(), logger: createLogger({ level: 'info', format: 'json', destination: sink }, new RedactorRef(undefined)) };
}

test('a config that applies is counted a success', async () => {
  const { metrics, logger } = setup();
  let rolledBack = false;
  const out = await applyReload('m.yaml', async () => {}, async () => { rolledBack = true; }, logger, metrics);
  assert.deepEqual(out, { ok: true });
  assert.equal(rolledBack, false);
  assert.equal(await reloads(metrics, 'success'), 1);
});

test('a config that fails to apply brings the running one back, counted and logged a failure', async () => {
  const { sink, metrics, logger } = setup();
  let rolledBack = false;
  const out = await applyReload('m.yaml', async () => { throw new Error('port 9 taken'); }, async () => { rolledBack = true; }, logger, metrics);
  assert.deepEqual(out, { ok: false });
  assert.equal(rolledBack, true);
  assert.equal(await reloads(metrics, 'failure'), 1);
  assert.equal(await reloads(metrics, 'success'), 0);
  assert.match(sink.text, /back to the running config/);
  assert.match(sink.text, /port 9 taken/);
});

test('when the running config cannot come back either, the reason is returned as broken', async () => {
  const { sink, metrics, logger } = setup();
  const out = await applyReload('m.yaml', async () => { throw new Error('first'); }, async () => { throw new Error('state directory gone'); }, logger, metrics);
  assert.deepEqual(out, { ok: false, broken: 'state directory gone' });
  assert.match(sink.text, /could not be restarted either/);
});
