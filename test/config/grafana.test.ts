import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { checkRuns, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

interface Panel { title: string; datasource: { uid: string }; targets: Array<{ expr: string; datasource: { uid: string } }> }
const dashboard = JSON.parse(readFileSync('config/grafana/foglet-monitor.json', 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
  annotations: { list: Array<{ expr: string; datasource: { uid: string } }> };
};

let st: Stack;
before(async () => {
  st = await startStack(({ board, logFile }) => ({
    checks: [
      { name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '*/5 * * * * *', timeout: '2s' },
      { name: 'ssh', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '*/5 * * * * *', timeout: '3s', host_key: 'tofu', expect_screen: 'L Login' },
    ],
    logs: { sources: [{ name: 'board', kind: 'file', path: logFile }] },
    alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: 'http://127.0.0.1:9/hook' }] },
  }));
  await waitFor(async () => (await checkRuns(st.base)).every((n) => n > 0), 'both checks');
});
after(() => st.stop());

test('the dashboard: its datasource is a variable, and every expression names only metrics the monitor exports', async () => {
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  const exprs = [
    ...dashboard.panels.flatMap((p) => {
      assert.equal(p.datasource.uid, '${datasource}', p.title);
      return p.targets.map((t) => { assert.equal(t.datasource.uid, '${datasource}', p.title); return t.expr; });
    }),
    ...dashboard.annotations.list.map((a) => { assert.equal(a.datasource.uid, '${datasource}'); return a.expr; }),
    ...dashboard.templating.list.map((v) => JSON.stringify(v.query)),
  ];
  const exported = new Set([...(await (await fetch(`${st.base}/metrics`)).text()).matchAll(/^# TYPE (\S+) (\w+)$/gm)]
    .flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
  const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bfoglet_monitor_\w+/g)].map((m) => m[0])));
  assert.ok(used.size >= 15, `the dashboard uses ${used.size} metrics`);
  const missing = [...used].filter((m) => !exported.has(m));
  assert.deepEqual(missing, []);
});
