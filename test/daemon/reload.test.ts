import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/wait.js';
import { startDaemon } from '../helpers/daemon.js';

test('from a trial: a reload with a rule RE2 takes alone but cannot join (an unclosed \\Q) keeps the daemon up, and the rule matches', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-reload-'));
  const file = path.join(dir, 'app.log');
  writeFileSync(file, '');
  const configPath = path.join(dir, 'monitor.yaml');
  const yaml = (rules: string) => [
    `state_file: ${path.join(dir, 'state.json')}`,
    'logs:',
    `  sources: [{ name: app, kind: file, path: "${file}", poll_interval: 50ms }]`,
    rules,
  ].join('\n');
  writeFileSync(configPath, yaml(''));
  const daemon = await startDaemon({ configPath });
  try {
    writeFileSync(configPath, yaml([
      '  rules:',
      '    - { id: quoted, category: crash, severity: critical, pattern: "\\\\Qa+b(" }',
      '    - { id: named_1, category: smtp, severity: warning, pattern: "job (?P<job>\\\\w+) failed" }',
      '    - { id: named_2, category: db_connection, severity: warning, pattern: "job (?P<job>\\\\w+) lost" }',
    ].join('\n')));
    assert.equal(await daemon.reload(), true);
    appendFileSync(file, '12:00:00.000 [error] x a+b( y\n12:00:01.000 [error] job sync lost\n12:00:02.000 [info] after\n');
    await waitFor(() => {
      const sources = daemon.status().logs?.sources ?? [];
      return sources.find((s) => s.name === 'app')?.matches === 2;
    }, 'both rules matched after the reload', 10_000);
    assert.equal(daemon.readiness().ready, true);
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('from a trial: a reload keeps what each sink delivered in /status (the counts began again at 0)', async () => {
  const { Receiver } = await import('../helpers/receiver.js');
  const { startHttpServer } = await import('../helpers/servers.js');
  const board = await startHttpServer((_req, res) => { res.statusCode = 500; res.end(); });
  const hook = await Receiver.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-reload-'));
  const configPath = path.join(dir, 'monitor.yaml');
  const yaml = (repeat: string) => [
    `state_file: ${path.join(dir, 'state.json')}`,
    'checks:',
    `  - { name: up, kind: http, url: "${board.url}/up", schedule: "* * * * * *", failure_threshold: 1 }`,
    'alerts:',
    `  repeat_interval: ${repeat}`,
    `  sinks: [{ name: hook, kind: webhook, url: "${hook.url}/hook" }]`,
  ].join('\n');
  writeFileSync(configPath, yaml('4h'));
  const daemon = await startDaemon({ configPath });
  const hookStatus = () => daemon.status().alerting!.sinks.find((s) => s.sink === 'hook')!;
  try {
    await waitFor(() => hookStatus().delivered === 1, 'the firing delivered');
    writeFileSync(configPath, yaml('5h'));
    assert.equal(await daemon.reload(), true);
    assert.equal(hookStatus().delivered, 1);
  } finally {
    await daemon.stop();
    await board.close();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
