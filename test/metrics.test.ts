import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../src/metrics.js';
import { httpCheck } from './helpers/config.js';

test('from a trial: the same checks again (a release watch\'s schedule) keep their counters; a check removed by a reload loses its series', async () => {
  const m = new Metrics({ processMetrics: false });
  const up = httpCheck({ name: 'up', url: 'http://127.0.0.1:1/up' });
  const value = async (name: string, check: string) => (await m.registry.getSingleMetric(name)!.get()).values.filter((v) => v.labels.check === check).reduce((a, v) => a + v.value, 0);
  m.setChecks([up]);
  m.skippedRuns.inc({ check: 'up' });
  m.setChecks([{ ...up, schedule: '*/1 * * * * *' }]);
  assert.equal(await value('foglet_monitor_scheduler_skipped_runs_total', 'up'), 1, 'kept across a new schedule');
  m.setChecks([httpCheck({ name: 'other', url: 'http://127.0.0.1:1/up' })]);
  assert.equal((await m.registry.getSingleMetric('foglet_monitor_scheduler_skipped_runs_total')!.get()).values.some((v) => v.labels.check === 'up'), false);
});
