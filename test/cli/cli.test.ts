import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../helpers/cli.js';
import { closedPort, startHttpServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';
import { startMonitor } from '../helpers/monitor.js';

describe('foglet-monitor CLI', () => {
  let board: FakeFoglet;
  let dir: string;
  const file = (name: string, text: string) => { const p = path.join(dir, name); writeFileSync(p, text); return p; };

  before(async () => {
    board = await FakeFoglet.start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-cli-'));
  });
  after(async () => {
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--help works on every command', async () => {
    for (const args of [['--help'], ['run', '--help'], ['check', '--help'], ['config', '--help'], ['config', 'check', '--help'], ['demo', '--help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: foglet-monitor/);
    }
  });

  test('an unknown command or flag exits 2', async () => {
    assert.equal((await runCli(['frobnicate'])).code, 2);
    assert.equal((await runCli(['check', '--nope'])).code, 2);
  });

  test('check exits 0 when every check passes', async () => {
    const cfg = file('ok.yaml', `checks:\n  - { name: up, kind: http, url: "${board.httpUrl}/up", timeout: 2s, expect: { body: "^ok$" } }\n`);
    const r = await runCli(['check', '-c', cfg]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^CHECK\s+KIND\s+TARGET/m);
    assert.match(r.stdout, /up\s+http\s+http:\/\/127\.0\.0\.1:\d+\/up\s+ok/);
    assert.match(r.stdout, /1 passed, 0 failed/);
  });

  test('check exits 1 when any check fails, and --json prints one object per check', async () => {
    const port = await closedPort();
    const cfg = file('fail.yaml', [
      'checks:',
      `  - { name: up, kind: http, url: "${board.httpUrl}/up", timeout: 2s }`,
      `  - { name: down, kind: http, url: "http://127.0.0.1:${port}/up", timeout: 2s }`,
    ].join('\n'));
    const r = await runCli(['check', '-c', cfg, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 2);
    for (const row of rows) {
      for (const key of ['check', 'kind', 'target', 'ok', 'reason', 'duration_seconds', 'phases']) assert.ok(key in row, `missing ${key}`);
    }
    const down = rows.find((x) => x.check === 'down')!;
    assert.equal(down.ok, false);
    assert.equal(down.reason, 'connect_refused');
  });

  test('check and run exit 2 on a config error, naming the file and key', async () => {
    const cfg = file('bad.yaml', 'checks:\n  - { name: up, kind: http, url: "http://x/", timeout: soon }\n');
    for (const cmd of ['check', 'run']) {
      const r = await runCli([cmd, '-c', cfg]);
      assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, /bad\.yaml:2:\d+: checks\[0\]\.timeout: expected a duration/);
    }
    const missing = await runCli(['check', '-c', path.join(dir, 'absent.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /absent\.yaml.*cannot read/);
  });

  test('config check prints the resolved config with secrets redacted', async () => {
    const cfg = file('secret.yaml', 'checks:\n  - { name: up, kind: http, url: "http://127.0.0.1/up", headers: { Authorization: "Bearer ${TOK}" } }\n');
    const r = await runCli(['config', 'check', '-c', cfg], { env: { TOK: 'very-secret-token-1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('very-secret-token-1'));
    assert.match(r.stdout, /Authorization: <redacted>/);
    assert.match(r.stdout, /timeout: 10s/, 'defaults shown');
  });

  test('config check accepts a nested-quantifier rule (it runs on the linear-time engine) and refuses a lookaround, naming the key, exit 2', async () => {
    const ok = file('redos.yaml', [
      'logs:',
      '  rules:',
      '    - { id: fine, category: crash, severity: critical, pattern: "Foglet crashed: \\\\w+" }',
      '    - { id: nested, category: crash, severity: critical, pattern: "(a+)+$" }',
    ].join('\n'));
    const r = await runCli(['config', 'check', '-c', ok]);
    assert.equal(r.code, 0, r.stderr);
    const bad = file('lookaround.yaml', [
      'logs:',
      '  rules:',
      '    - { id: ahead, category: crash, severity: critical, pattern: "exited: (?!:stopped)" }',
    ].join('\n'));
    const refused = await runCli(['config', 'check', '-c', bad]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /lookaround\.yaml.*logs\.rules\[0\]\.pattern/);
    assert.match(refused.stderr, /lookarounds and backreferences cannot run in linear time/);
  });

  test('config check knows the rule packs: an override of a rule no pack has is refused, with its line', async () => {
    const cfg = file('overrides.yaml', [
      'logs:',
      '  rule_overrides:',
      '    schema_migrations_table: { enabled: false }',
      '    no_such_rule: { enabled: false }',
    ].join('\n'));
    const r = await runCli(['config', 'check', '-c', cfg]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /overrides\.yaml:4.*logs\.rule_overrides\.no_such_rule: no rule "no_such_rule" in the rule packs in use \(foglet\)/);
    assert.doesNotMatch(r.stderr, /schema_migrations_table/);
  });

  test('run serves /metrics, reloads on SIGHUP (keeping the old config when the new one is broken) and stops on SIGTERM within 5 s', async () => {
    const cfgPath = file('run.yaml', [
      `state_file: ${path.join(dir, 'state.json')}`,
      'checks:',
      `  - { name: up, kind: http, url: "${board.httpUrl}/up", schedule: "* * * * * *", timeout: 2s }`,
    ].join('\n'));
    // Started as users run it, on a port of its own choosing (read from its log, not handed over).
    const monitor = await startMonitor(cfgPath);
    try {
      const base = monitor.base;
      writeFileSync(cfgPath, 'checks: [ { name: up, kind: http } ]\n');
      monitor.signal('SIGHUP');
      await waitFor(() => monitor.output().includes('config reload failed'), 'the failed reload to be logged');
      assert.match(monitor.output(), /checks\[0\]\.url/);
      const status = (await fetchStatus(base));
      assert.deepEqual(status.checks.map((c) => c.name), ['up'], 'old config still running');

      writeFileSync(cfgPath, [
        'checks:',
        `  - { name: up2, kind: http, url: "${board.httpUrl}/up", schedule: "* * * * * *", timeout: 2s }`,
      ].join('\n'));
      monitor.signal('SIGHUP');
      await waitFor(async () => {
        const s = (await fetchStatus(base));
        return s.checks.map((c) => c.name).join() === 'up2';
      }, 'the new config to run');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /foglet_monitor_config_reloads_total\{outcome="failure"\} 1/);
      assert.match(metrics, /foglet_monitor_config_reloads_total\{outcome="success"\} 1/);

      const t0 = Date.now();
      const code = await monitor.stop('SIGTERM');
      assert.equal(code, 0, monitor.output());
      assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
      assert.match(monitor.output(), /"msg":"stopped"/);
    } finally {
      await monitor.stop('SIGKILL');
    }
  });
});

test('scan --json FILE | head: the reader closing the pipe early ends the scan quietly, exit 0', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-epipe-'));
  const file = path.join(dir, 'foglet.log');
  writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `12:00:${String(i % 60).padStart(2, '0')}.000 [error] Kernel pid terminated (application_controller) (${i})`).join('\n'));
  try {
    // `head -1`: read one line, then close the pipe while the scan still writes.
    const child = spawn(process.execPath, [CLI, 'scan', '--json', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d; });
    await new Promise<void>((resolve) => child.stdout.once('data', () => { child.stdout.destroy(); resolve(); }));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    assert.doesNotMatch(err, /EPIPE|Unhandled 'error' event/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostkey pointed at an HTTP server says it is not an SSH server, and what answered', async () => {
  const web = await startHttpServer((_req, res) => res.end('ok'));
  try {
    const r = await runCli(['hostkey', `127.0.0.1:${new URL(web.url).port}`, '--timeout', '2s']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not an SSH server, or not one that answers: it answered "HTTP\/1\.1 400 Bad Request"/);
  } finally {
    await web.close();
  }
});

test('from a newcomer\'s trial: hostkey with a bad address names the address only (it spoke of a duration nobody gave), and a bad --timeout names the option', async () => {
  const bad = await runCli(['hostkey', '127.0.0.1:notaport']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected HOST or HOST:PORT .*got "127\.0\.0\.1:notaport"/);
  assert.doesNotMatch(bad.stderr, /duration|10s/);
  const slow = await runCli(['hostkey', '127.0.0.1:22', '--timeout', 'soon']);
  assert.equal(slow.code, 2);
  assert.match(slow.stderr, /--timeout: expected a duration .*got "soon"/);
});

test('a password in --url or $FOGLET_MONITOR_URL is never printed: not in an error, not in --help', async () => {
  const r = await runCli(['release', 'start', 'v1', '--url', 'http://admin:UrlPassw0rd99@127.0.0.1:1', '--token', 'some-api-token-0123456789']);
  assert.doesNotMatch(r.stdout + r.stderr, /UrlPassw0rd99/);
  // Never sent (fetch refuses it): said as bad usage, not as a monitor that cannot be reached.
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--url http:\/\/<redacted>@127\.0\.0\.1:1 carries a user:password, which is never sent: the monitor's API is authenticated by its token/);
  const bad = await runCli(['silence', 'list', '--url', 'not a url', '--token', 'some-api-token-0123456789']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--url not a url is not a URL/);
  const help = await runCli(['silence', 'add', '--help'], { env: { FOGLET_MONITOR_URL: 'http://admin:UrlPassw0rd99@127.0.0.1:1' } });
  assert.doesNotMatch(help.stdout + help.stderr, /UrlPassw0rd99/);
  assert.match(help.stdout, /\$FOGLET_MONITOR_URL/);
});

test('a password with an unescaped @ in --url is hidden whole (the URL parser takes the last @ as the end of it)', async () => {
  const r = await runCli(['release', 'start', 'v1', '--url', 'http://admin:Url@Passw0rd77@127.0.0.1:1', '--token', 'some-api-token-0123456789']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /127\.0\.0\.1:1/);
  assert.doesNotMatch(r.stdout + r.stderr, /Passw0rd77/);
});
