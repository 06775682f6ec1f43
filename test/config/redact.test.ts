/**
 * Secrets by what they are, not by where they end: a key is secret when its name says
 * so anywhere (`X-Secret-Key`, `AWS_SECRET_ACCESS_KEY`, `DB_PASS`), and a secret is
 * hidden only as a whole value of at least 8 characters, in the forms a target echoes
 * it in; nothing that is not a secret's value is ever altered.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REDACTED, Redactor, isSecretKey, redactConfig } from '../../src/config/redact.js';
import { parseConfigText, validateConfig } from '../../src/config/load.js';

test('config check of config/example.yaml hides exactly the secrets, and leaves every path and URL whole', () => {
  const env = { FOGLET_PROBE_PASSWORD: 'probe-password-1', PD_ROUTING_KEY: 'pd-routing-key-1', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/abcdefghijklmnopqrstuvwx',
    WEBHOOK_SECRET: 'webhook-secret-1', FOGLET_MONITOR_API_TOKEN: 'api-token-0123456789', FOGLET_LOG_TOKEN: 'log-token-0123456789', PD_CHANGE_ROUTING_KEY: 'pd-change-key-1', GRAFANA_TOKEN: 'grafana-token-1' };
  const text = readFileSync('config/example.yaml', 'utf8');
  const printed = redactConfig(parseConfigText(text, 'config/example.yaml', env));
  const redacted: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (v === REDACTED) redacted.push(at);
    else if (typeof v === 'string') assert.ok(!v.includes(REDACTED), `${at} was altered: ${v}`);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  walk(printed, '');
  assert.deepEqual(redacted.map((p) => p.replace(/\.\d+\./g, '[].')).sort(), [
    'alerts.sinks[].routing_key', 'alerts.sinks[].secret', 'alerts.sinks[].url', 'alerts.sinks[].url', 'alerts.sinks[].url', 'alerts.sinks[].fail_url', 'api.token',
    'checks[].login.password', 'logs.sources[].token', 'releases.announce.grafana.token', 'releases.announce.pagerduty.routing_key',
  ].sort());
  const out = JSON.stringify(printed);
  // (The webhook sink's URL is redacted as a whole: it is the credential. Its path word elsewhere is not.)
  for (const whole of ['/etc/foglet-monitor/probe_ed25519', 'http://foglet-bbs.internal:9091/metrics', '/var/log/foglet/foglet.log']) {
    assert.ok(text.includes(whole), `example.yaml has ${whole}`);
    assert.ok(out.includes(whole), `${whole} is printed whole`);
  }
});

test('a key is secret when its name says so anywhere in it; paths, host keys and ordinary words are not', () => {
  for (const k of ['password', 'AWS_SECRET_ACCESS_KEY', 'DB_PASS', 'X-Secret-Key', 'X-Api-Key', 'routing_key', 'Authorization', 'dbPassword', 'MYSQL_PWD', 'X-Auth-Token', 'SENTRY_DSN', 'Cookie', 'session']) {
    assert.ok(isSecretKey(k), k);
  }
  for (const k of ['host_key', 'private_key_file', 'ca_file', 'monkey', 'author', 'auth_success_outcomes', 'url', 'handle', 'path', 'key']) {
    assert.ok(!isSecretKey(k), k);
  }
});

test('a secret is hidden whole, in the forms a target echoes it, and nothing else is touched', () => {
  const r = Redactor.fromConfig(validateConfig({
    checks: [{
      name: 'up', kind: 'http', url: 'http://probe:Basic-Pa55word@board.example.net/up?access_token=Query-Token-12345',
      headers: { 'X-Echo': 'Bearer Bearer-Token-12345' },
    }],
    alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: 'https://hooks.example.net/foglet' }] },
  }));
  const basic = Buffer.from('probe:Basic-Pa55word').toString('base64');
  assert.equal(r.redact(`got Basic ${basic} and Bearer-Token-12345 for Query-Token-12345`), `got Basic ${REDACTED} and ${REDACTED} for ${REDACTED}`);
  assert.equal(r.redact('{"password":"Basic-Pa55word"}'), '{"password":"<redacted>"}');
  // The webhook URL is a credential as a whole; its ordinary path word is not.
  assert.equal(r.redact('posting to https://hooks.example.net/foglet'), `posting to ${REDACTED}`);
  assert.equal(r.redact('/var/log/foglet/foglet.log and /foglet'), '/var/log/foglet/foglet.log and /foglet');
  // Only whole values: a longer word that contains a secret is not cut open.
  assert.equal(r.redact('xQuery-Token-12345x'), 'xQuery-Token-12345x');
  // Short values are never secrets on their own (they would hide ordinary words).
  assert.equal(new Redactor(['short']).redact('a short word'), 'a short word');
});

// Leaks a hostile trial found: each secret came back in a form the redactor did not know.
test('a query secret is hidden in every form a URL gives it: with + and with characters WHATWG percent-encodes', () => {
  const r = Redactor.fromConfig(validateConfig({
    checks: [
      { name: 'plus', kind: 'http', url: 'http://board.example.net/up?access_token=Tok+en/abc==12345' },
      { name: 'quote', kind: 'http', url: "http://board.example.net/up?token=it's-a-secret-123" },
    ],
  }));
  for (const form of ['Tok+en/abc==12345', 'Tok en/abc==12345', 'Tok%2Ben%2Fabc%3D%3D12345', "it's-a-secret-123", 'it%27s-a-secret-123']) {
    assert.equal(r.redact(`echo ${form} end`), `echo ${REDACTED} end`, form);
  }
  // The URL itself, as a log line or /status prints it (normalised by WHATWG URL), keeps everything but the secret.
  assert.equal(r.redact(new URL("http://board.example.net/up?token=it's-a-secret-123").href), `http://board.example.net/up?token=${REDACTED}`);
});

test('a password echoed across a terminal line wrap is hidden', () => {
  const r = new Redactor(['Sup3r-Secret-Passw0rd']);
  assert.equal(r.redact('echo Sup3r-Secr\r\net-Passw0rd done'), `echo ${REDACTED} done`);
  assert.equal(r.redact('echo Sup3r-Secret-Pa\nssw0rd done'), `echo ${REDACTED} done`);
  assert.equal(r.redact('line one\r\nline two'), 'line one\r\nline two');
});

test('a secret JSON-encoded twice (a status document inside a payload) is hidden', () => {
  const secret = 'pa"ss\\word-12345';
  const r = new Redactor([secret]);
  const twice = JSON.stringify(JSON.stringify({ echoed: secret }));
  assert.ok(!r.redact(twice).includes('word-12345'), r.redact(twice));
  assert.ok(!r.redactDeep({ body: JSON.stringify({ echoed: secret }) }).body.includes('word-12345'));
});

test('a command source: env values that look like credentials, bearer tokens and --password in its arguments are secrets; ordinary values are not', () => {
  const config = validateConfig({
    logs: { sources: [{
      name: 'fly', kind: 'command',
      command: ['curl', '-H', 'Authorization: Bearer abcdef123456789XYZ', '--password', 'hunter2hunter2', '--api-token=Zq81mXv0kLq7Rt2w', 'https://api.example.net/logs'],
      env: { FOGLET_ADMIN: 'Zx8vQ2mN7pL4kR9tW3', LANG: 'C.UTF-8', FLY_APP: 'foglet-bbs-production', WORKDIR: '/var/lib/foglet-monitor/logs' },
    }] },
    checks: [{ name: 'up', kind: 'http', url: 'http://board.example.net/up', headers: { 'X-Authentication': 'plain-auth-value-1' } }],
  });
  const r = Redactor.fromConfig(config);
  for (const secret of ['abcdef123456789XYZ', 'hunter2hunter2', 'Zq81mXv0kLq7Rt2w', 'Zx8vQ2mN7pL4kR9tW3', 'plain-auth-value-1']) {
    assert.equal(r.redact(`saw ${secret}.`), `saw ${REDACTED}.`, secret);
  }
  for (const ordinary of ['C.UTF-8', 'foglet-bbs-production', '/var/lib/foglet-monitor/logs', 'https://api.example.net/logs', '--password']) {
    assert.equal(r.redact(`saw ${ordinary} here`), `saw ${ordinary} here`, ordinary);
  }
  const printed = JSON.stringify(redactConfig(config));
  for (const secret of ['abcdef123456789XYZ', 'hunter2hunter2', 'Zq81mXv0kLq7Rt2w', 'Zx8vQ2mN7pL4kR9tW3', 'plain-auth-value-1']) assert.ok(!printed.includes(secret), secret);
  assert.ok(printed.includes('foglet-bbs-production') && printed.includes('C.UTF-8'));
});

test('a webhook URL: its token segment is a secret, its ordinary words and hosts are not; a URL user name stays', () => {
  const r = Redactor.fromConfig(validateConfig({
    checks: [{ name: 'up', kind: 'http', url: 'http://probe:Basic-Pa55word@board.example.net/up' }],
    alerts: { sinks: [
      { name: 'hook', kind: 'webhook', url: 'https://hooks.example.net/foglet-monitor-alerts' },
      { name: 'discord', kind: 'webhook', url: 'https://discord.example.net/api/webhooks/1234567890/aB3dE6gH9jK2mN5pQ8sT1vW4yZ7' },
    ] },
  }));
  assert.equal(r.redact('host foglet-monitor-alerts.internal and /foglet-monitor-alerts'), 'host foglet-monitor-alerts.internal and /foglet-monitor-alerts');
  assert.equal(r.redact('token aB3dE6gH9jK2mN5pQ8sT1vW4yZ7'), `token ${REDACTED}`);
  assert.equal(r.redact('http://probe:Basic-Pa55word@board.example.net/up'), `http://probe:${REDACTED}@board.example.net/up`);
  assert.equal(r.redact(`Basic ${Buffer.from('probe:Basic-Pa55word').toString('base64')}`), `Basic ${REDACTED}`);
});

// From a second hostile trial: a secret next to an escape, in a shell string, as a URL's user, ...
test('a secret next to an escape sequence or an underscore is hidden', () => {
  const r = new Redactor(['MySecretValue-42xy']);
  for (const text of ['a%20MySecretValue-42xy%20b', 'token%3DMySecretValue-42xy%26x', '\\u0022MySecretValue-42xy\\u0022', 'id_MySecretValue-42xy_end', 'Bearer%20MySecretValue-42xy']) {
    assert.ok(!r.redact(text).includes('MySecretValue-42xy'), text);
  }
  assert.equal(r.redact('xMySecretValue-42xyz'), 'xMySecretValue-42xyz', 'still only whole values');
});

test("an SSH login's handle:password in base64 is hidden", () => {
  const r = Redactor.fromConfig(validateConfig({ checks: [{ name: 's', kind: 'ssh', host: 'h', expect_screen: 'x', login: { handle: 'probe', password: 'SshPassw0rd-Zq81x' } }] }));
  const b64 = Buffer.from('probe:SshPassw0rd-Zq81x').toString('base64');
  assert.equal(r.redact(`creds ${b64}`), `creds ${REDACTED}`);
});

test("a command's arguments: NAME=value, header arguments, curl -u, and everything inside a shell string", () => {
  const config = validateConfig({
    logs: { sources: [
      { name: 'a', kind: 'command', command: ['env', 'PGPASSWORD=PgPassw0rd-1', 'FLY_API_TOKEN=FlyTok3n-abcdef', 'curl', '-H', 'Cookie: sid=CookieSid-998877', '-H', 'X-Api-Key: ApiKeyArg-55', '-u', 'bob:CurlPassw0rd-2', 'https://x.example/'] },
      { name: 'b', kind: 'command', command: ['sh', '-c', "curl -u bob:ShellPassw0rd-3 'https://x.example/?token=ShellTok3n-4' --password ShellPw-55555 && DATABASE_URL=postgres://u:ShellDbPw-666@h/d run"] },
    ] },
  });
  const r = Redactor.fromConfig(config);
  const printed = JSON.stringify(redactConfig(config));
  for (const secret of ['PgPassw0rd-1', 'FlyTok3n-abcdef', 'CookieSid-998877', 'ApiKeyArg-55', 'CurlPassw0rd-2', 'ShellPassw0rd-3', 'ShellTok3n-4', 'ShellPw-55555', 'ShellDbPw-666']) {
    assert.ok(!printed.includes(secret), `${secret} printed: ${printed}`);
    assert.equal(r.redact(`saw ${secret}.`), `saw ${REDACTED}.`, secret);
  }
  assert.ok(printed.includes('https://x.example/') && printed.includes('PGPASSWORD='), printed);
});

test('URLs: a token as the user name, ?jwt= and the like, a fragment token, ;jsessionid; an ApiKey scheme; quotes around a bearer stay', () => {
  const config = validateConfig({
    checks: [
      { name: 'a', kind: 'http', url: 'https://ghp_UserTokenOnly1234567890@board.example.net/up' },
      { name: 'b', kind: 'http', url: 'https://board.example.net/up;jsessionid=JSess1onId-77?jwt=JwtValue-12345&private=PrivValue-123#access_token=FragTok3n-999' },
      { name: 'c', kind: 'http', url: 'https://board.example.net/up', headers: { 'X-Custom': 'ApiKey CustomApiKey-4242' } },
    ],
    logs: { sources: [{ name: 'q', kind: 'command', command: ['sh', '-c', "curl -H 'Authorization: Bearer QuotedBearer-123' -u x"] }] },
  });
  const printed = JSON.stringify(redactConfig(config));
  for (const secret of ['ghp_UserTokenOnly1234567890', 'JSess1onId-77', 'JwtValue-12345', 'PrivValue-123', 'FragTok3n-999', 'CustomApiKey-4242', 'QuotedBearer-123']) {
    assert.ok(!printed.includes(secret), `${secret} printed`);
  }
  assert.match(printed, /Authorization: Bearer <redacted>' -u x/, 'the closing quote stays');
});

test('a secret given as a number is not echoed in the config error', () => {
  assert.throws(() => validateConfig({ checks: [{ name: 's', kind: 'ssh', host: 'h', expect_screen: 'x', login: { handle: 'p', password: 12345678901234 } }] }), (e: Error) => {
    assert.match(e.message, /login\.password: expected string, got a number/);
    assert.ok(!e.message.includes('12345678901234'), e.message);
    return true;
  });
});

test('from a review: words after an auth scheme in a summary are not secrets; a short URL password or curl -u is hidden with its user; --password-stdin takes no secret', () => {
  const config = validateConfig({
    checks: [
      { name: 'a', kind: 'http', url: 'https://admin:pw12@bbs.example.net/up', expect: { body: 'bearer required' } },
    ],
    logs: {
      rules: [{ id: 'upstream', category: 'crash', severity: 'warning', pattern: 'upstream', summary: 'Token rejected by upstream; check the Basic settings' }],
      sources: [{ name: 'c', kind: 'command', command: ['sh', '-c', 'curl -u admin:s3cr3t https://x.example/ && docker login --password-stdin registry.fly.io'] }],
    },
  });
  const r = Redactor.fromConfig(config);
  assert.equal(r.redact('rejected settings required registry.fly.io'), 'rejected settings required registry.fly.io');
  assert.equal(r.redact('GET https://admin:pw12@bbs.example.net/up'), `GET https://${REDACTED}@bbs.example.net/up`);
  assert.ok(!r.redact('curl -u admin:s3cr3t').includes('s3cr3t'));
});

test('from a third trial: flags and assignments inside quoted parts of a shell string, separators not part of a value; env names with a secret word anywhere', () => {
  const config = validateConfig({ logs: { sources: [{
    name: 'a', kind: 'command',
    command: ['sh', '-c', 'echo "[error] connecting with --password shpass-Ll7788Pp DB_PASS=dbpass-Hh3344Jj"; export DB_PASS=dbpass-exported1; echo b'],
    env: { AUTH_HEADER: 'plainwords secret sauce', PRIVATE_KEY_PEM: 'privkeypem-lowercaseonly', LANG: 'C.UTF-8' },
  }] } });
  const r = Redactor.fromConfig(config);
  for (const secret of ['shpass-Ll7788Pp', 'dbpass-Hh3344Jj', 'dbpass-exported1', 'plainwords secret sauce', 'privkeypem-lowercaseonly']) {
    assert.equal(r.redact(`saw ${secret}.`), `saw ${REDACTED}.`, secret);
  }
  const printed = redactConfig(config).logs.sources[0] as { command: string[] };
  assert.match(printed.command[2]!, /export DB_PASS=<redacted>; echo b$/, 'the separator stays');
  assert.equal(r.redact('C.UTF-8'), 'C.UTF-8');
});
