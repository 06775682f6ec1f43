/**
 * Every secret the config can hold, in one monitor run as users run it; the board
 * breaks so that every path that leaves the process is taken (logs, /metrics,
 * /status, the status page, evidence bundles, the state file, every sink and both
 * release announcers); then each of them is searched for each secret.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { logTime } from '../helpers/log-time.js';
import { waitFor } from '../helpers/wait.js';
import { checkRuns } from '../helpers/stack.js';
import { startHttpServer } from '../helpers/servers.js';
import { withWorld, type Payload } from './world.js';

const S = {
  probePassword: 'Probe-Login-Pa55word-e2e',
  httpPassword: 'Up-Basic-Pa55-e2e',
  httpBearer: 'Up-Bearer-Token-e2e-31337',
  metricsKey: 'Metrics-Api-Key-e2e-4242',
  logToken: 'Log-Shipper-Token-e2e-0001',
  apiToken: 'Api-Write-Token-e2e-00002',
  hookToken: 'Hook-Path-Token-e2e-777',
  hookHmac: 'Hook-Hmac-Secret-e2e-888',
  hookHeader: 'Hook-Header-Bearer-e2e-999',
  slackPath: 'SlackHookSecretE2e1234567',
  routingKey: 'PD-Routing-Key-e2e-abcdef',
  changeKey: 'PD-Change-Key-e2e-fedcba',
  amPassword: 'AM-Basic-Pa55-e2e',
  grafanaToken: 'Grafana-SA-Token-e2e-5555',
  awsSecret: 'Aws-Secret-Access-Key-e2e-6666',
  dbPass: 'Db-Pass-e2e-7777',
  secretHeader: 'X-Secret-Key-Value-e2e-8888',
  echoBearer: 'Echoed-Bearer-e2e-9999',
  echoPassword: 'Echoed-Basic-Pa55-e2e',
  accessToken: 'Query-Access-Token-e2e-1010',
};

/** A file tree's text, every file under `dir`. */
function treeText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    out += statSync(p).isDirectory() ? treeText(p) : `\n${readFileSync(p, 'latin1')}`;
  }
  return out;
}

test('no secret from the config reaches a log line, a metric, /status, the status page, an evidence bundle, the state file or a notification', async () => {
  // A target that echoes what it was sent, credentials and all: its body, not the expected one, becomes the failure's message.
  const echo = await startHttpServer((req, res) => {
    const bearer = String(req.headers['x-echo-auth'] ?? '').replace(/^Bearer /, '');
    res.writeHead(200).end(`you sent ${req.headers.authorization ?? ''} and ${bearer} to ${req.url}`);
  });
  try {
    await run(echo.url);
  } finally {
    await echo.close();
  }
});

async function run(echoUrl: string): Promise<void> {
  await withWorld(({ board, receiver }) => {
    const r = receiver.url;
    const u = new URL(`${board.httpUrl}/up`);
    u.username = 'probe';
    u.password = S.httpPassword;
    return {
      instance: 'e2e-secrets',
      api: { token: S.apiToken },
      checks: [
        { name: 'up', kind: 'http', url: u.toString(), headers: { Authorization: `Bearer ${S.httpBearer}` }, schedule: '* * * * * *', timeout: '2s' },
        {
          name: 'ssh-login', kind: 'ssh', host: board.ssh.address.host, port: board.ssh.address.port, schedule: '* * * * * *', timeout: '3s',
          host_key: board.ssh.hostKeyFingerprint, expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q', login: { handle: 'probe', password: S.probePassword },
        },
        { name: 'app', kind: 'app_metrics', url: board.metricsUrl, headers: { 'X-Api-Key': S.metricsKey }, schedule: '* * * * * *' },
        {
          name: 'echo', kind: 'http', url: `${echoUrl.replace('http://', `http://probe:${S.echoPassword}@`)}/up?access_token=${S.accessToken}`,
          headers: { 'X-Echo-Auth': `Bearer ${S.echoBearer}`, 'X-Secret-Key': S.secretHeader }, schedule: '* * * * * *', timeout: '2s', failure_threshold: 1,
          expect: { body: '^ok$' },
        },
      ],
      logs: {
        sources: [
          { name: 'board', kind: 'file', path: board.log!.file, poll_interval: '100ms' },
          { name: 'shipper', kind: 'http', token: S.logToken },
          { name: 'fly', kind: 'command', command: ['sh', '-c', 'echo started; sleep 60'], env: { AWS_SECRET_ACCESS_KEY: S.awsSecret, DB_PASS: S.dbPass } },
        ],
      },
      alerts: {
        failure_threshold: 2,
        delivery: { initial_backoff: '100ms', max_backoff: '1s' },
        sinks: [
          { name: 'hook', kind: 'webhook', url: `${r}/hook/${S.hookToken}`, secret: S.hookHmac, headers: { Authorization: `Bearer ${S.hookHeader}` } },
          { name: 'slack', kind: 'slack', url: `${r}/slack/services/T0/B0/${S.slackPath}` },
          { name: 'pd', kind: 'pagerduty', routing_key: S.routingKey, url: `${r}/pd`, severities: ['critical'] },
          { name: 'am', kind: 'alertmanager', url: `${r.replace('http://', `http://am:${S.amPassword}@`)}/am` },
        ],
      },
      releases: {
        grace: '0s', watch_for: '0s',
        announce: { pagerduty: { routing_key: S.changeKey, url: `${r}/pd-change` }, grafana: { url: `${r}/grafana`, token: S.grafanaToken } },
      },
    };
  }, async (w) => {
    w.board.ssh.accounts.set('probe', S.probePassword);
    await waitFor(async () => (await checkRuns(w.monitor.base)).every((n) => n >= 2), 'every check to run twice', 10_000);
    const api = (p: string, body: unknown) => fetch(`${w.monitor.base}${p}`, {
      method: 'POST', headers: { authorization: `Bearer ${S.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal((await api('/api/releases', { version: 'v9.9.9', status: 'finished' })).status, 200);
    // The board breaks every way at once; its log even prints secrets (a careless debug line).
    w.board.httpFault = 'status_500';
    w.board.ssh.fault = 'session_rejected';
    appendFileSync(w.board.log!.file, `${logTime()} [debug] retrying with password=${S.probePassword} hook=${S.hookToken}\n`
      + `${logTime()} [error] Could not create schema migrations table. This error usually happens due to the following:\n\n`);
    const shipped = await fetch(`${w.monitor.base}/api/logs`, { method: 'POST', headers: { authorization: `Bearer ${S.logToken}` },
      body: `${logTime()} [error] Postgrex.Protocol (#PID<0.1.0>) failed to connect: ** (DBConnection.ConnectionError) key=${S.grafanaToken}\n` });
    assert.equal(shipped.status, 202);

    const on = (p: string) => w.receiver.accepted.filter((x) => x.path.startsWith(p));
    await waitFor(() => {
      const firings = on('/hook/').map((x) => x.json as Payload).filter((p) => p.change === 'firing');
      return firings.length >= 3 && on('/slack/').length >= 3 && on('/pd').length >= 3 && on('/am').length >= 1
        && on('/grafana').length >= 1 && on('/pd-change').length >= 1;
    }, 'every sink and announcer to have been sent to', 20_000);
    const evidenceDir = path.join(path.dirname(w.stateFile), 'evidence');
    await waitFor(() => { try { return readdirSync(evidenceDir).length >= 2; } catch { return false; } }, 'evidence bundles');

    const texts: Record<string, string> = {
      'monitor log': w.monitor.output(),
      metrics: await (await fetch(`${w.monitor.base}/metrics`)).text(),
      status: await (await fetch(`${w.monitor.base}/status`)).text(),
      'status page': await (await fetch(`${w.monitor.base}/`)).text() + await (await fetch(`${w.monitor.base}/?part=main`)).text(),
      evidence: treeText(evidenceDir),
      'state file': readFileSync(w.stateFile, 'utf8'),
    };
    // Each receiver gets its own credential (the pager its routing key, Grafana its bearer); none gets another's.
    const own: Record<string, string[]> = { '/pd-change': [S.changeKey], '/pd': [S.routingKey], '/grafana': [S.grafanaToken], '/am': [S.amPassword], '/hook/': [S.hookHeader] };
    for (const req of w.receiver.requests) {
      const prefix = Object.keys(own).find((p) => req.path.startsWith(p));
      let text = req.body + JSON.stringify({ ...req.headers, authorization: undefined });
      for (const mine of own[prefix ?? ''] ?? []) text = text.replaceAll(mine, '');
      texts[`notification to ${req.path.split('/')[1]}`] = (texts[`notification to ${req.path.split('/')[1]}`] ?? '') + text;
    }
    assert.ok(texts.evidence!.includes('Could not create schema migrations table'), 'the bundle holds the matched lines');
    assert.match(texts.evidence!, /retrying with password=<redacted> hook=<redacted>/, 'the secrets were there to leak, and were scrubbed');
    const leaks = Object.entries(S).flatMap(([name, secret]) =>
      Object.entries(texts).filter(([, text]) => text.includes(secret)).map(([where]) => `${name} in ${where}`));
    assert.deepEqual(leaks, []);
    // The echo was there to leak: the target's answer is in /status, with only the secrets gone.
    assert.match(texts.status!, /you sent Basic <redacted> and <redacted> to \/up\?access_token=<redacted>/);
    assert.match(texts['state file']!, /"target":"http:\/\/127\.0\.0\.1:\d+\/up\?access_token=<redacted>"/);
  });
}
