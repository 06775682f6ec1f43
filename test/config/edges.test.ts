/**
 * Config edges a real config meets, and the ones an attacker would try: merge keys and
 * anchors reused hundreds of times work; an exponential alias bomb, a file of megabytes
 * and a flood of unknown keys are refused with exit 2, the file and (where there is one)
 * the line, in bounded time and memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-config-edges-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function refused(text: string): ConfigError {
  try { parseConfigText(text, 'monitor.yaml', {}); } catch (e) { if (e instanceof ConfigError) return e; throw e; }
  return assert.fail('accepted');
}

test('merge keys and an anchor reused by 300 checks: one config, every check with the shared settings', () => {
  const lines = ['x-check: &check', '  kind: http', '  schedule: "*/30 * * * * *"', '  timeout: 7s', 'checks:'];
  for (let i = 0; i < 300; i++) lines.push('  - <<: *check', `    name: up-${i}`, `    url: http://127.0.0.1:${2000 + i}/up`);
  const config = parseConfigText(lines.join('\n'), 'monitor.yaml', {});
  assert.equal(config.checks.length, 300);
  assert.ok(config.checks.every((c) => c.kind === 'http' && c.timeout.ms === 7000));
});

test('an exponential alias bomb is refused naming the file and the line of its first alias, and the CLI exits 2', async () => {
  const lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  lines.push('instance: *a9');
  const e = refused(lines.join('\n'));
  assert.match(e.message, /monitor\.yaml:2:\d+: YAML: anchors and merge keys expand the config to more than 500,000 values/);
  const file = path.join(dir, 'bomb.yaml');
  writeFileSync(file, lines.join('\n'));
  const r = await runCli(['config', 'check', '-c', file]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /bomb\.yaml:2:\d+: YAML: anchors and merge keys expand/);
});

test('15,000 unknown keys: the first hundred listed with their lines, the rest counted; a mapping of 40,000 is refused before the schema sees it', () => {
  const e = refused(Array.from({ length: 15_000 }, (_, i) => `k${i}: 1`).join('\n'));
  assert.equal(e.problems.length, 101);
  assert.match(e.message, /monitor\.yaml:1:1: k0: unknown key/);
  assert.match(e.message, /and 14900 more problems like these/);
  const started = process.hrtime.bigint();
  assert.match(refused(Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n')).message, /monitor\.yaml:1:1: YAML: a mapping or list of more than 20,000 entries is not a config/);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 20);
});

test('a key given twice in one mapping is refused with the line of the second', () => {
  assert.match(refused('instance: a\nlisten: 127.0.0.1:1\ninstance: b\n').message, /monitor\.yaml:3:1: YAML: map keys must be unique: "instance" is given again/);
});

test('from a newcomer\'s trial: a config file that is not there says how to give one (-c, FOGLET_MONITOR_CONFIG)', async () => {
  const r = await runCli(['config', 'check', '-c', path.join(dir, 'not-there.yaml')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /not-there\.yaml: cannot read the file: ENOENT.*\(give the config with -c FILE, or set FOGLET_MONITOR_CONFIG\)/);
});

test('a config over 5 MB is refused before it is parsed, with its size', async () => {
  const file = path.join(dir, 'huge.yaml');
  writeFileSync(file, `instance: x\n# ${'x'.repeat(6 * 1024 * 1024)}\n`);
  const r = await runCli(['config', 'check', '-c', file]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /huge\.yaml: cannot read the file: it is 6\.0 MB; a config may be at most 5 MB/);
});

test('merge keys that copy a large mapping thousands of times are refused by the size they expand to, in bounded time', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: 1`).join(', ');
  const lines = [`x-big: &big {${keys}}`, 'x-copies:'];
  for (let i = 0; i < 5000; i++) lines.push(`  - <<: *big`);
  const started = process.hrtime.bigint();
  const e = refused(lines.join('\n'));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.match(e.message, /monitor\.yaml:3:\d+: YAML: anchors and merge keys expand the config to more than 500,000 values/);
  // Not a timing goal: a bound that only an expansion of ten million keys would break.
  assert.ok(seconds < 20, `${seconds}s`);
});

test('a very long unknown key is reported without a slow "did you mean" search', () => {
  // Explicit keys: YAML caps implicit ones at 1024 characters.
  const text = Array.from({ length: 40 }, (_, i) => `? ${String(i).padEnd(100_000, 'x')}\n: 1`).join('\n');
  const started = process.hrtime.bigint();
  const e = refused(`${text}\ninstanse: a\n`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.match(e.message, /monitor\.yaml:1:3: 0x{79}\.\.\. \(100000 characters\): unknown key\n/, 'a long key is shown cut, with its length');
  assert.ok(e.message.length < 20_000, `the message is ${e.message.length} characters`);
  assert.match(e.message, /instanse: unknown key \(did you mean "instance"\?\)/);
  assert.ok(seconds < 20, `${seconds}s`);
});

test('a config that is a device or a pipe with no size (/dev/zero) is cut at 5 MB, not read forever', async () => {
  const r = await runCli(['config', 'check', '-c', '/dev/zero']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /\/dev\/zero: cannot read the file: it is more than 5 MB; a config may be at most 5 MB/);
});

test('a large config without any alias is not refused for what aliases expand to', () => {
  // 570,000 values written out, no anchor: within the byte limit, and nothing expanded.
  const lists = Array.from({ length: 30 }, (_, i) => `x-big${i}: [${Array(19_000).fill('1').join(',')}]`).join('\n');
  const text = `${lists}\ninstance: big\n`;
  assert.equal(parseConfigText(text, 'monitor.yaml', {}).instance, 'big');
});

test('the problem count in the first line counts the problems only summarised', () => {
  const e = refused(Array.from({ length: 15_000 }, (_, i) => `k${i}: 1`).join('\n'));
  assert.match(e.message, /^invalid config monitor\.yaml \(15000 problems\):/);
});

test('what would fail every probe fails the config: a header value with a line break, a bare % in URL credentials, a header name with a space', () => {
  assert.match(refused('checks:\n  - { name: a, kind: http, url: "http://h/up", headers: { X-A: "a\\nb" } }\n').message, /checks\[0\]\.headers\.X-A: a header value may not contain line breaks/);
  assert.match(refused('checks:\n  - { name: a, kind: http, url: "http://u:p%zz@h/up" }\n').message, /checks\[0\]\.url: the URL's user name or password has a "%" that starts no escape: write it as %25/);
  assert.match(refused('checks:\n  - { name: a, kind: http, url: "http://h/up", headers: { "X A": ok } }\n').message, /"X A": expected a header name/);
});

test('from a third trial: nesting too deep says so; a command given as one string is not echoed (it may hold a secret from ${ENV})', () => {
  assert.match(refused(`x-a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`).message, /monitor\.yaml:1:\d+: YAML: nested too deeply/);
  const e = refused('logs:\n  sources:\n    - { name: a, kind: command, command: "fly logs --access-token bearerTok-AAbbCC1122" }\n');
  assert.match(e.message, /logs\.sources\[0\]\.command: expected array, got a string/);
  assert.ok(!e.message.includes('bearerTok'), e.message);
});

test('an unknown top-level key is matched against the top-level keys only', () => {
  const e = refused('k0: 1\ninstanse: a\n');
  assert.match(e.message, /k0: unknown key\n/);
  assert.match(e.message, /instanse: unknown key \(did you mean "instance"\?\)/);
});

test('a heartbeat whose timeout is not shorter than its interval, and an Alertmanager member listed twice, are refused by name', () => {
  const e = refused(`alerts:
  sinks:
    - { name: hb, kind: heartbeat, url: "https://hc-ping.com/abc", interval: 10s, timeout: 10s }
    - { name: am, kind: alertmanager, urls: ["http://am1:9093", "http://AM1:9093/", "http://am2:9093"] }
`);
  assert.match(e.message, /alerts\.sinks\[0\]\.timeout: must be shorter than interval \(10s\), got 10s/);
  assert.match(e.message, /alerts\.sinks\[1\]\.urls\[1\]: the same member as urls\[0\]/);
});

test('a ${...} the config cannot read is an error naming the key, not text kept as written', () => {
  assert.match(refused('state_file: "${DATA_DIR:-${HOME}}/state.json"\n').message, /state_file: the fallback of \$\{DATA_DIR\} holds another \$\{\.\.\.\}/);
  assert.match(refused('state_file: "${DATA_DIR/state.json"\n').message, /state_file: a "\$\{" that is not \$\{NAME\}/);
  assert.match(refused('state_file: "${1DIR}/state.json"\n').message, /state_file: a "\$\{" that is not/);
  // An escaped one stays a literal, and a fallback with other braces is fine.
  const c = parseConfigText('state_file: "$${x}/state.json"\nlisten: "${LISTEN:-127.0.0.1:9479}"\n', 'monitor.yaml', {});
  assert.equal(c.state_file, '${x}/state.json');
  assert.equal(c.listen, '127.0.0.1:9479');
});

test('from a trial: every problem at once, in the order of the file (an unset variable hid the rest; a name given twice waited until the others were mended)', () => {
  let e: ConfigError | undefined;
  try {
    parseConfigText([
      'checks:',
      '  - { name: up, kind: http, url: "http://127.0.0.1:4000/up", timeout: 5 sec }',
      '  - { name: up, kind: http, url: "http://127.0.0.1:4000/up", expct: {} }',
      'alerts:',
      '  sinks:',
      '    - { name: hook, kind: webhook, url: "${MY_UNSET_TOKEN}" }',
    ].join('\n'), 'monitor.yaml', {});
  } catch (x) { e = x as ConfigError; }
  const lines = e!.message.split('\n').slice(1).map((l) => l.trim());
  assert.equal(lines.length, 4, e!.message);
  assert.match(lines[0]!, /^monitor\.yaml:2:\d+: checks\[0\]\.timeout: expected a duration/);
  assert.match(lines[1]!, /^monitor\.yaml:3:\d+: checks\[1\]\.name: duplicate check name "up" \(also checks\[0\]\)/);
  assert.match(lines[2]!, /^monitor\.yaml:3:\d+: checks\[1\]\.expct: unknown key/);
  assert.match(lines[3]!, /^monitor\.yaml:6:\d+: alerts\.sinks\[0\]\.url: environment variable MY_UNSET_TOKEN is not set$/);
});
