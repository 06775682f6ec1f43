import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnServer } from '../helpers/process.js';
import { closedPort } from '../helpers/servers.js';
import { checkRuns, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const PROMTOOL = '/usr/bin/promtool';
const PROMETHEUS = '/usr/bin/prometheus';

describe('the Prometheus side: rules, exposition, a real scrape', () => {
  let st: Stack;
  before(async () => {
    st = await startStack(({ board, logFile }) => ({
      checks: [
        { name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '* * * * * *', timeout: '2s' },
        { name: 'ssh-login', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '*/5 * * * * *', timeout: '3s', host_key: 'any', expect_screen: 'L Login' },
      ],
      logs: { sources: [{ name: 'board', kind: 'file', path: logFile }] },
    }));
    await waitFor(async () => (await checkRuns(st.base)).every((n) => n > 0), 'both checks');
  });
  after(() => st.stop());

  test('promtool check rules and promtool test rules pass, for one monitor and for several (majority vote)', () => {
    for (const rules of ['foglet-monitor', 'foglet-monitor.ha']) {
      const check = spawnSync(PROMTOOL, ['check', 'rules', `config/prometheus/${rules}.rules.yml`], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const unit = spawnSync(PROMTOOL, ['test', 'rules', `${rules}.rules.test.yml`], { cwd: 'config/prometheus', encoding: 'utf8' });
      assert.equal(unit.status, 0, unit.stdout + unit.stderr);
    }
  });

  test('promtool check metrics finds nothing to say about the monitor\'s own metrics', async () => {
    const text = await (await fetch(`${st.base}/metrics`)).text();
    assert.match(text, /^foglet_monitor_probe_success\{/m);
    const lint = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const findings = `${lint.stdout}${lint.stderr}`.split('\n').filter((l) => l.trim() !== '');
    // prom-client's default Node.js metrics name three gauges *_total (nodejs_active_handles_total, ...): upstream names, kept as they are.
    const ours = findings.filter((l) => !/^nodejs_active_\w+_total /.test(l));
    assert.deepEqual(ours, []);
  });

  test('a real Prometheus scrapes the monitor; a query returns the probe success series with its labels', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-prom-'));
    const port = await closedPort();
    writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: foglet-monitor',
      `    static_configs: [{ targets: ['${st.daemon.address}'] }]`,
    ].join('\n'));
    const prom = await spawnServer({
      name: 'prometheus',
      command: PROMETHEUS,
      args: [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      dir,
      ready: () => fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false),
      timeoutMs: 20_000,
    });
    try {
      type Result = { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      const query = async (q: string) => (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as Result;
      const result = await waitFor(async () => {
        const r = await query('foglet_monitor_probe_success').catch(() => undefined);
        return r && r.data.result.length === 2 && r.data.result;
      }, 'Prometheus to scrape the monitor', 20_000, 250);
      const byCheck = Object.fromEntries(result.map((s) => [s.metric.check, s]));
      assert.equal(byCheck.up!.metric.kind, 'http');
      assert.equal(byCheck.up!.metric.job, 'foglet-monitor');
      assert.equal(byCheck['ssh-login']!.metric.kind, 'ssh');
      assert.equal(byCheck['ssh-login']!.value[1], '1');
      const up = await query('up{job="foglet-monitor"}');
      assert.equal(up.data.result[0]!.value[1], '1');

      // Every expression of the Grafana dashboard is valid PromQL that Prometheus evaluates.
      const dashboard = JSON.parse(readFileSync('config/grafana/foglet-monitor.json', 'utf8')) as {
        panels: Array<{ title: string; targets: Array<{ expr: string }> }>; annotations: { list: Array<{ expr: string }> };
      };
      const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.annotations.list.map((a) => a.expr)];
      assert.ok(exprs.length >= 15);
      for (const expr of exprs) {
        const q = expr.replaceAll('$instance', '.*');
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { status: string; error?: string };
        assert.equal(body.status, 'success', `${expr}: ${body.error}`);
      }
    } finally {
      await prom.stop();
    }
  });
});
