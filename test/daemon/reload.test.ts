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
