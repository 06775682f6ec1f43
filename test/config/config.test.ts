import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { parseDuration } from '../../src/schema/duration.js';
import { Redactor, redactConfig } from '../../src/config/redact.js';

const EXAMPLE = path.resolve('config/example.yaml');

function problemsOf(yaml: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfigText(yaml, 'broken.yaml', env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  test('config/example.yaml validates', async () => {
    const config = await loadConfigFile(EXAMPLE, {});
    assert.ok(config.checks.length >= 1);
    assert.equal(config.checks[0]!.kind, 'http');
  });

  test('defaults are filled from the schema', () => {
    const c = parseConfigText('checks:\n  - { name: up, kind: http, url: "http://127.0.0.1/up" }\n', 'x.yaml', {});
    assert.equal(c.listen, '127.0.0.1:9477');
    assert.equal(c.state_file, './data/state.json');
    const check = c.checks[0]!;
    assert.equal(check.timeout.ms, 10_000);
    assert.equal(check.schedule, '*/15 * * * * *');
    assert.equal(check.kind === 'http' && check.method, 'GET');
    assert.deepEqual(check.kind === 'http' && check.expect.status, [200]);
    assert.equal(check.kind === 'http' && check.follow_redirects, false);
  });

  test('ssh defaults: port 22, tofu, 100x30 xterm-256color, every 30 s, 20 s timeout', () => {
    const c = parseConfigText('checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: "L Login" }\n', 'x.yaml', {}).checks[0]!;
    assert.equal(c.kind, 'ssh');
    if (c.kind !== 'ssh') return;
    assert.equal(c.port, 22);
    assert.equal(c.host_key, 'tofu');
    assert.deepEqual(c.terminal, { cols: 100, rows: 30, term: 'xterm-256color' });
    assert.equal(c.schedule, '*/30 * * * * *');
    assert.equal(c.timeout.ms, 20_000);
    const pinned = parseConfigText('checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: x, host_key: ["SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"] }\n', 'x.yaml', {}).checks[0]!;
    assert.deepEqual(pinned.kind === 'ssh' && pinned.host_key, ['SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s']);
  });

  test('an empty file is a valid config with no checks', () => {
    assert.deepEqual(parseConfigText('', 'empty.yaml', {}).checks, []);
  });

  const broken: Array<[string, string, string, RegExp]> = [
    ['wrong type', 'listen: 9477\n', 'listen', /expected string, got number 9477/],
    ['unknown top-level key', 'instanse: x\n', 'instanse', /unknown key \(did you mean "instance"\?\)/],
    ['unknown nested key', 'checks:\n  - { name: a, kind: http, url: "http://x/", expct: {} }\n', 'checks[0].expct', /unknown key.*"expect"/],
    ['bad duration', 'checks:\n  - { name: a, kind: http, url: "http://x/", timeout: "5 sec" }\n', 'checks[0].timeout', /expected a duration.*"5 sec"/],
    ['bare number duration', 'checks:\n  - { name: a, kind: http, url: "http://x/", timeout: 5 }\n', 'checks[0].timeout', /duration/],
    ['duration out of range', 'checks:\n  - { name: a, kind: http, url: "http://x/", timeout: 10m }\n', 'checks[0].timeout', /at most 5m/],
    ['bad cron', 'checks:\n  - { name: a, kind: http, url: "http://x/", schedule: "every minute" }\n', 'checks[0].schedule', /cron schedule/],
    ['missing required field', 'checks:\n  - { name: a, kind: http }\n', 'checks[0].url', /is required/],
    ['unknown kind', 'checks:\n  - { name: a, kind: smtp }\n', 'checks[0].kind', /one of: http, ssh/],
    ['bad regex', 'checks:\n  - { name: a, kind: http, url: "http://x/", expect: { body: "(" } }\n', 'checks[0].expect.body', /regular expression/],
    ['bad status', 'checks:\n  - { name: a, kind: http, url: "http://x/", expect: { status: [700] } }\n', 'checks[0].expect.status[0]', /at most 599/],
    ['bad enum', 'log: { level: loud }\n', 'log.level', /one of "trace"/],
    ['duplicate names', 'checks:\n  - { name: a, kind: http, url: "http://x/" }\n  - { name: a, kind: http, url: "http://y/" }\n', 'checks[1].name', /duplicate check name "a"/],
    ['unset env', 'checks:\n  - { name: a, kind: http, url: "http://x/", headers: { Authorization: "Bearer ${PROBE_TOKEN}" } }\n', 'checks[0].headers.Authorization', /environment variable PROBE_TOKEN is not set/],
    ['YAML syntax', 'checks: [\n', '', /YAML/],
    ['ssh without expect_screen', 'checks:\n  - { name: s, kind: ssh, host: bbs }\n', 'checks[0].expect_screen', /is required/],
    ['bad host key pin', 'checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: x, host_key: "md5:aa" }\n', 'checks[0].host_key', /OpenSSH fingerprint/],
    ['two private keys', 'checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: x, private_key: abc, private_key_file: /k }\n', 'checks[0].private_key', /not both/],
    ['bad screen regex', 'checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: "/(/" }\n', 'checks[0].expect_screen', /regular expression/],
    ['bad phase timeout', 'checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: x, phase_timeouts: { screen: 5 } }\n', 'checks[0].phase_timeouts.screen', /duration/],
    ['login without password', 'checks:\n  - { name: s, kind: ssh, host: bbs, expect_screen: x, login: { handle: probe } }\n', 'checks[0].login.password', /is required/],
  ];
  for (const [what, yaml, keyPath, message] of broken) {
    test(`a broken config (${what}) names ${keyPath || 'the problem'}`, () => {
      const err = problemsOf(yaml);
      const p = err.problems.find((x) => x.path === keyPath);
      assert.ok(p, `no problem at ${keyPath}: ${err.message}`);
      assert.match(p.message, message);
      assert.match(err.message, /broken\.yaml/);
      assert.ok(p.line && p.line >= 1, `line given: ${err.message}`);
    });
  }

  test('every problem is reported at once, with its line', () => {
    const err = problemsOf('listen: nope\nchecks:\n  - { name: a, kind: http, url: "ftp://x" }\n');
    assert.deepEqual(err.problems.map((p) => [p.path, p.line]), [['listen', 1], ['checks[0].url', 3]]);
  });

  test('${ENV} is interpolated, with defaults and $${ escapes', () => {
    const c = parseConfigText(
      'instance: "${REGION:-iad}-${N}"\nchecks:\n  - { name: a, kind: http, url: "http://x/", headers: { X: "$${literal}" } }\n',
      'x.yaml', { N: '1' },
    );
    assert.equal(c.instance, 'iad-1');
    assert.equal(c.checks[0]!.kind === 'http' && c.checks[0]!.headers.X, '${literal}');
  });

  test('durations', () => {
    assert.equal(parseDuration('15s'), 15_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('15'), undefined);
    assert.equal(parseDuration('s'), undefined);
  });
});

describe('secrets in the config', () => {
  const yaml = [
    'checks:',
    '  - name: up',
    '    kind: http',
    '    url: "https://probe:${URL_PASS}@bbs.example.net/up?token=${UP_TOKEN}&x=1"',
    '    headers: { Authorization: "Bearer ${BEARER}", User-Agent: fm }',
  ].join('\n');
  const env = { URL_PASS: 'hunter2-url', UP_TOKEN: 'tok-9876543', BEARER: 'b3arer-s3cret' };

  test('redactConfig hides every secret and keeps the rest', () => {
    const c = parseConfigText(yaml, 'x.yaml', env);
    const text = JSON.stringify(redactConfig(c));
    for (const s of Object.values(env)) assert.ok(!text.includes(s), `${s} leaked: ${text}`);
    assert.match(text, /bbs\.example\.net/);
    assert.match(text, /"User-Agent":"fm"/);
  });

  test('the Redactor scrubs secrets from free text, JSON-escaped too', () => {
    const r = Redactor.fromConfig(parseConfigText(yaml, 'x.yaml', env));
    const line = `{"msg":"probe to https://probe:hunter2-url@bbs failed with Bearer b3arer-s3cret and tok-9876543"}`;
    const out = r.redact(line);
    for (const s of Object.values(env)) assert.ok(!out.includes(s));
    assert.match(out, /<redacted>/);
  });
});
