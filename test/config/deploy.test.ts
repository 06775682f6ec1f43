import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';

const DEPLOY = 'config/deploy';
const ENV = {
  FOGLET_HOST: 'bbs.example.net', FOGLET_PROBE_PASSWORD: 'pw-for-the-test', FLY_API_TOKEN: 'fly-token-for-test',
  PD_ROUTING_KEY: 'pd-key-for-the-test', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', FOGLET_MONITOR_API_TOKEN: 'api-token-for-the-test-1',
};

test('the deployment examples agree: one config, the state on the volume, the health check, the reload', async () => {
  const config = await loadConfigFile(path.join(DEPLOY, 'monitor.yaml'), ENV);
  assert.equal(config.listen, '[::]:9477');
  const stateDir = path.dirname(config.state_file);
  assert.equal(stateDir, '/var/lib/foglet-monitor', 'the Dockerfile\'s volume');

  const fly = readFileSync(path.join(DEPLOY, 'fly.toml'), 'utf8');
  assert.match(fly, new RegExp(`destination = "${stateDir}"`));
  assert.match(fly, /local_path = "config\/deploy\/monitor.yaml"/);
  assert.match(fly, /path = "\/healthz"/);

  const compose = YAML.parse(readFileSync(path.join(DEPLOY, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes: string[] }> };
  const volumes = compose.services['foglet-monitor']!.volumes;
  assert.ok(volumes.includes('./monitor.yaml:/etc/foglet-monitor/config.yaml:ro'));
  assert.ok(volumes.some((v) => v.endsWith(`:${stateDir}`)));

  const unit = readFileSync(path.join(DEPLOY, 'foglet-monitor.service'), 'utf8');
  assert.match(unit, /^ExecStart=.* run -c \/etc\/foglet-monitor\/config.yaml/m);
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  assert.match(unit, new RegExp(`^ReadWritePaths=${stateDir}$`, 'm'));
});

test('the compose Prometheus config is valid with the shipped rules beside it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-deploy-'));
  try {
    copyFileSync(path.join(DEPLOY, 'prometheus.yml'), path.join(dir, 'prometheus.yml'));
    copyFileSync('config/prometheus/foglet-monitor.rules.yml', path.join(dir, 'foglet-monitor.rules.yml'));
    const r = spawnSync('/usr/bin/promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the HA pair example: both monitors load one config with identical alerts to every Alertmanager, and the cluster config is valid', async () => {
  const env = { ...ENV, FOGLET_HOST_KEY: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s' };
  const config = await loadConfigFile(path.join(DEPLOY, 'ha', 'monitor.yaml'), env);
  assert.equal(config.alerts.instance_label, false);
  assert.equal(config.instance, os.hostname(), 'each monitor named by its host');
  const sink = config.alerts.sinks.find((s) => s.kind === 'alertmanager');
  assert.ok(sink && sink.kind === 'alertmanager' && sink.watchdog);
  const compose = YAML.parse(readFileSync(path.join(DEPLOY, 'ha', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { hostname?: string; command?: string[] }> };
  const ams = Object.keys(compose.services).filter((n) => n.startsWith('alertmanager-'));
  assert.deepEqual(sink.urls, ams.map((n) => `http://${n}:9093`), 'the monitors send to every member');
  for (const n of ams) assert.ok(compose.services[n]!.command!.some((a) => a.startsWith('--cluster.peer=alertmanager-')), `${n} joins the cluster`);
  assert.deepEqual(Object.keys(compose.services).filter((n) => n.startsWith('monitor-')).map((n) => compose.services[n]!.hostname), ['monitor-a', 'monitor-b']);
  const fly = readFileSync(path.join(DEPLOY, 'ha', 'fly.toml'), 'utf8');
  assert.match(fly, /local_path = "config\/deploy\/ha\/monitor.yaml"/);
  const am = spawnSync('/usr/bin/amtool', ['check-config', path.join(DEPLOY, 'ha', 'alertmanager.yml')], { encoding: 'utf8' });
  assert.equal(am.status, 0, am.stdout + am.stderr);
});
