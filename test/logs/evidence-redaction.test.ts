/**
 * Secrets a board prints in its own log lines are scrubbed before a line becomes evidence
 * (webhooks, the daemon's log, bundles, the state file), in the forms a hostile trial sent
 * through: auth headers, JSON and Elixir maps with string keys, unquoted and prefixed keys,
 * session cookies; ordinary words stay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactLogLine } from '../../src/logs/evidence.js';

/** Each line scrubbed no longer holds its secret. */
function assertHidden(cases: Array<[string, string]>): void {
  for (const [line, secret] of cases) {
    const out = redactLogLine(line);
    assert.ok(!out.includes(secret), `${secret} leaked: ${out.slice(0, 200)}`);
  }
}

test('secrets in log lines are hidden in the forms libraries print them', () => {
  const cases: Array<[string, string]> = [
    ['GET /x Authorization: Bearer LogBearerTok3n-123 done', 'LogBearerTok3n-123'],
    ['{"user":"bob","password":"Js0nPassw0rd!","token":"Js0nTok3n-xyz"}', 'Js0nPassw0rd!'],
    ['{"user":"bob","password":"Js0nPassw0rd!","token":"Js0nTok3n-xyz"}', 'Js0nTok3n-xyz'],
    ['%{"password" => "ElixirPassw0rd", "api_key" => "ElixirApiKey-77"}', 'ElixirPassw0rd'],
    ['%{"password" => "ElixirPassw0rd", "api_key" => "ElixirApiKey-77"}', 'ElixirApiKey-77'],
    ['config smtp_password: Unqu0tedSmtpPw rest', 'Unqu0tedSmtpPw'],
    ['Cookie: _foglet_key=SFMyNTY.g3QAAAABbQAAAAtfY3NyZl90b2tlbg; other=1', 'SFMyNTY.g3QAAAABbQAAAAtfY3NyZl90b2tlbg'],
    ['DATABASE_URL=ecto://foglet:DbPassw0rd@db/foglet', 'DbPassw0rd'],
    ['SECRET_KEY_BASE=abcdefghijklmnopqrstuvwxyz0123456789', 'abcdefghijklmnopqrstuvwxyz0123456789'],
  ];
  assertHidden(cases);
  for (const [line] of cases) assert.match(redactLogLine(line), /<redacted>/);
  for (const ordinary of ['[info] Sent 200 in 3ms', 'Running FogletBbsWeb.Endpoint with Bandit 1.10.4', 'auth_failure_ratio=0.5 sessions=12', '{"user":"bob","handle":"bob"}']) {
    assert.equal(redactLogLine(ordinary), ordinary);
  }
});

test('a long hostile line is scrubbed in linear time', () => {
  const line = 'a.'.repeat(200_000);
  const started = process.hrtime.bigint();
  redactLogLine(line);
  redactLogLine('x'.repeat(400_000));
  redactLogLine('a://b:'.repeat(70_000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.ok(seconds < 2, `${seconds}s`);
});

test('scan --json prints matched events scrubbed too (its output lands in CI logs)', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { runCli } = await import('../helpers/cli.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-scan-redact-'));
  try {
    const file = path.join(dir, 'foglet.log');
    writeFileSync(file, 'ERROR! Config provider Config.Reader failed with:\n** (RuntimeError) bad DATABASE_URL=ecto://u:Sup3rScanPw@h/db\n');
    const r = await runCli(['scan', '--json', file]);
    assert.match(r.stdout, /missing_secret/);
    assert.ok(!r.stdout.includes('Sup3rScanPw'), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('values in charlists, binaries, with escaped quotes or very long, under keys with long prefixes, are hidden; words after "Basic" or "cookie" stay', () => {
  const cases: Array<[string, string]> = [
    ['[relay: ~c"smtp.example.com", username: ~c"apikey", password: ~c"SG.hunter22secret", port: 587]', 'hunter22secret'],
    ['password: <<"hunter22bin">>', 'hunter22bin'],
    ['FOGLET_PRODUCTION_MAILER_SMTP_RELAY_AUTH_PASSWORD=hunter22long', 'hunter22long'],
    ['password: "abc\\"def ghi"', 'def ghi'],
    [`password="${'x'.repeat(5000)}" tail`, 'xxxxxxxx'],
  ];
  assertHidden(cases);
  assert.equal(redactLogLine('[relay: ~c"smtp.example.com", port: 587]'), '[relay: ~c"smtp.example.com", port: 587]');
  for (const ordinary of ['Basic authentication failed', 'Token verification failed', 'Invalid cookie: foo']) assert.equal(redactLogLine(ordinary), ordinary);
});

test('from a third trial: the names the config side calls secret are scrubbed in board lines too', () => {
  const out = redactLogLine('DB_PASS=plainpw-one1 --password plainpw-three3 %{pass: "plainpw-nine9"} MYSQL_PWD=plainpw-13thirteen passenger=3');
  for (const secret of ['plainpw-one1', 'plainpw-three3', 'plainpw-nine9', 'plainpw-13thirteen']) assert.ok(!out.includes(secret), out);
  assert.match(out, /passenger=3$/);
});

test('a password with @, / or ? unescaped in a database URL (what makes Ecto.InvalidURLError) is hidden whole', () => {
  assertHidden([
    ['** (Ecto.InvalidURLError) invalid url ecto://foglet:p@ssw0rd-at@db.internal/foglet, path should be a database name', 'ssw0rd-at'],
    ['** (Ecto.InvalidURLError) invalid url ecto://foglet:pa/ssw0rd-slash@db.internal/foglet, host is not present', 'ssw0rd-slash'],
    ['** (Ecto.InvalidURLError) invalid url postgres://foglet:pa?ssw0rd-query#x@db.internal:5432/foglet, unsupported query parameter', 'ssw0rd-query'],
    ['DATABASE_URL is ecto://us@er:Passw0rd-userat@db/foglet', 'Passw0rd-userat'],
  ]);
  const plain = 'GET http://localhost:4000/up 200; see https://hexdocs.pm/ecto/Ecto.Repo.html';
  assert.equal(redactLogLine(plain), plain);
});
