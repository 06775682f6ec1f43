/**
 * No user regex can stall the monitor: the classic catastrophic patterns, on every
 * path where a user's regex enters (a log rule from the config or `scan --rules`,
 * `expect.body`, `expect_screen`, a silence matcher from the API or the CLI), against
 * the input that makes a backtracking engine take minutes. Each is bounded by a CPU
 * budget far above what a linear engine needs (milliseconds) and far below what
 * backtracking takes (46 s for 33 bytes of `(a+)+$` before): a stall, not a speed goal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Silences, matches, parseMatcher, silenceInputSchema } from '../src/alerts/silences.js';
import { HttpProbe } from '../src/checks/http/probe.js';
import { runProbe } from '../src/checks/runner.js';
import { screenMatcher } from '../src/checks/ssh/screen.js';
import { ConfigError, validateConfig } from '../src/config/load.js';
import { linearRegex } from '../src/linear-regex.js';
import { pipelineSetup } from '../src/logs/setup.js';
import { scanStream } from '../src/logs/scan.js';
import { Readable } from 'node:stream';
import { httpCheck } from './helpers/config.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';

/** Each with an input that pumps it: exponential or polynomial on a backtracking engine. */
const EVIL: Array<[string, string]> = [
  ['(a+)+$', `${'a'.repeat(40)}!`],
  ['(a|a)*$', `${'a'.repeat(40)}!`],
  ['(a|aa)+$', `${'a'.repeat(60)}!`],
  ['(.|.|.|.|.|.)*X', 'a'.repeat(50_000)],
  ['^(\\w+\\s?)*$', `${'word '.repeat(30)}!`],
  ['(x+x+)+y', 'x'.repeat(60)],
  ['([a-zA-Z]+)*$', `${'a'.repeat(40)}1`],
  ['(.*a){20}', 'a'.repeat(30_000)],
];

/** CPU (user + system) a call costs, in ms. */
function cpuMs(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const STALL_MS = 1500;

describe('user regexes run in linear time wherever they enter', () => {
  let server: TestServer;
  let body = '';
  before(async () => { server = await startHttpServer((_req, res) => res.writeHead(200).end(body)); });
  after(() => server.close());

  for (const [pattern, input] of EVIL) {
    test(`${pattern} against ${input.length} pumping bytes: a log rule, expect.body, expect_screen, a silence matcher`, async () => {
      // A log rule from the config, through the same rule set the daemon and scan use (the event joins the 256 KB event cap).
      const rules = pipelineSetup(validateConfig({ logs: { rules: [{ id: 'evil', category: 'crash', severity: 'critical', pattern }] } }).logs).rules;
      assert.ok(cpuMs(() => rules.match(input)) < STALL_MS, 'log rule');
      assert.ok(cpuMs(() => rules.match(input.repeat(Math.max(1, Math.floor(200_000 / input.length))))) < STALL_MS * 4, 'log rule, a 200 KB event');

      // expect_screen written /.../ and a silence matcher (anchored, as Alertmanager's).
      const screen = screenMatcher(`/${pattern}/`);
      assert.ok(cpuMs(() => screen(input)) < STALL_MS, 'expect_screen');
      const m = parseMatcher(`check=~"${pattern}"`);
      assert.ok(cpuMs(() => matches(m, { check: input })) < STALL_MS, 'silence matcher');

      // expect.body, through a real HTTP probe: it fails (or passes) inside its timeout, not after it.
      body = input;
      const cfg = httpCheck({ url: `${server.url}/`, timeout: '5s', expect: { status: [200], body: pattern } });
      const t0 = process.cpuUsage();
      const r = await runProbe(cfg, new HttpProbe(cfg, { baseDir: process.cwd() }));
      const used = process.cpuUsage(t0);
      assert.ok((used.user + used.system) / 1000 < STALL_MS, `expect.body took ${(used.user + used.system) / 1000} ms`);
      assert.ok(r.ok || r.reason === 'body_mismatch', `${r.reason}: ${r.message}`);
    });
  }

  test('the API takes an evil silence matcher and the monitor can still evaluate and expire it', () => {
    const input = silenceInputSchema.parse({
      matchers: [{ name: 'check', value: '(.|.|.|.|.|.)*X', isRegex: true }],
      endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: 'hostile', createdBy: 'test',
    });
    const silences = new Silences([], () => {});
    const s = silences.add(input);
    assert.ok(cpuMs(() => silences.isSilenced({ check: 'a'.repeat(1024) })) < STALL_MS);
    assert.equal(silences.expire(s.id), true);
  });

  test('lookarounds and backreferences are refused where they are loaded, naming the key', () => {
    const refused = (config: unknown) => {
      try { validateConfig(config); } catch (e) { if (e instanceof ConfigError) return e.message; throw e; }
      return assert.fail('accepted');
    };
    assert.match(refused({ logs: { rules: [{ id: 'x', category: 'crash', severity: 'critical', pattern: 'exited: (?!:stopped)' }] } }),
      /logs\.rules\[0\]\.pattern: .*lookarounds and backreferences cannot run in linear time/);
    assert.match(refused({ checks: [{ name: 'up', kind: 'http', url: 'http://127.0.0.1:1/up', expect: { body: '(a)\\1' } }] }),
      /checks\[0\]\.expect\.body: .*cannot run in linear time/);
    assert.match(refused({ checks: [{ name: 's', kind: 'ssh', host: '127.0.0.1', expect_screen: '/(?<=x)Home/' }] }), /checks\[0\]\.expect_screen/);
    assert.throws(() => parseMatcher('check=~"(?=a)a"'), /cannot run in linear time/);
    assert.equal(silenceInputSchema.safeParse({
      matchers: [{ name: 'check', value: '(a)\\1', isRegex: true }], endsAt: new Date(Date.now() + 60_000).toISOString(), comment: 'c', createdBy: 'me',
    }).success, false);
  });

  test('the syntax users write still means what it meant: classes, anchors, case, groups, Unicode', () => {
    assert.ok(linearRegex('^ok$').test('ok'));
    assert.ok(!linearRegex('^ok$').test('not ok'));
    assert.ok(linearRegex('door runtime event .*error', 'i').test('DOOR runtime event x ERROR'));
    assert.ok(linearRegex('Foglet BBS ▸ Home').test('┌ Foglet BBS ▸ Home ─'));
    assert.ok(linearRegex('user_(?:banned|deleted) id=\\d+').test('user_deleted id=42'));
    assert.ok(linearRegex('(?<name>\\w+)@\\w+').test('probe@board'));
    assert.ok(linearRegex('a.b', 's').test('a\nb'));
    assert.ok(!linearRegex('a.b').test('a\nb'));
    assert.throws(() => linearRegex('a', 'x'), /unknown regular expression flag "x"/);
  });
});

describe('a pattern whose program is large is refused where it enters (linear time is length times size)', () => {
  // Found by a hostile trial: four of these cost 7 s on one 64 KB line, twenty cost 46 s.
  const BIG = '(?:.{0,1000}){0,1}(?:.{0,1000})(?:.{0,1000})(?:.{0,1000})b[^b]';

  test('log rules, expect.body, expect_screen and silence matchers name the field and the reason', () => {
    const problems = (config: Record<string, unknown>) => {
      try { validateConfig(config); return ''; } catch (e) { return (e as ConfigError).message; }
    };
    assert.match(problems({ logs: { rules: [{ id: 'big', category: 'crash', severity: 'critical', pattern: BIG }] } }), /logs\.rules\[0\]\.pattern.*instructions, more than 1000/s);
    assert.match(problems({ checks: [{ name: 'up', kind: 'http', url: 'http://127.0.0.1:9/up', expect: { body: BIG } }] }), /checks\[0\]\.expect\.body.*instructions/s);
    assert.throws(() => screenMatcher(`/${BIG}/`), /instructions/);
    assert.equal(silenceInputSchema.safeParse({
      matchers: [{ name: 'check', value: BIG, isRegex: true }], endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: 'x', createdBy: 'y',
    }).success, false);
  });

  test('rules fine alone but too large together are refused as a whole, naming logs.rules', () => {
    const rule = (i: number) => ({ id: `r${i}`, category: 'crash', severity: 'critical', pattern: `[^ ]{100,400} failed ${i}` });
    assert.doesNotThrow(() => linearRegex(rule(0).pattern));
    assert.throws(() => validateConfig({ logs: { rules: Array.from({ length: 12 }, (_, i) => rule(i)) } }), /logs\.rules.*the rules together.*more than 8000/s);
  });

  test('from a trial: rules valid alone load together even where RE2 cannot join them (an unclosed \\Q, a capture name used twice), and each still matches', async () => {
    const rules = [
      { id: 'quoted', category: 'crash', severity: 'critical', pattern: '\\Qa+b' },
      { id: 'quoted_i', category: 'smtp', severity: 'warning', pattern: '\\Qx(y', ignore_case: true },
      { id: 'failed', category: 'db_connection', severity: 'warning', pattern: 'Oban job (?P<job>\\w+) failed' },
      { id: 'discarded', category: 'missing_secret', severity: 'warning', pattern: 'Oban job (?P<job>\\w+) discarded' },
    ];
    const config = validateConfig({ logs: { rule_packs: [], rules } });
    const setup = pipelineSetup(config.logs);
    const log = ['x a+b', 'X(Y here', 'Oban job Mailer failed', 'Oban job Sync discarded', 'a b', ''].join('\n');
    const { matches } = await scanStream(Readable.from([Buffer.from(log)]), 'app', setup);
    assert.deepEqual(matches.map((m) => `${m.line} ${m.rule}`), ['1 quoted', '2 quoted_i', '3 failed', '4 discarded']);
  });

  test('an ordinary rule is far below the cap', () => {
    for (const p of ['Postgrex\\.Protocol .* failed to connect', '(?i)smtp.*(?:error|failed)', '[^ ]{100,500} failed']) assert.doesNotThrow(() => linearRegex(p));
  });
});
