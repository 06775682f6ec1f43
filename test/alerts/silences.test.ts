import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { matches, parseMatcher, Silences } from '../../src/alerts/silences.js';
import { validateConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';
import { LogSink } from '../helpers/sink.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';

const API_TOKEN = 'api-Token-for-silences-0001';
const LOG_TOKEN = 'log-Token-for-shipping-0002';
/** Stamped with the time of day now: a line hours old would have passed its rule's quiet_for already. */
const hostKeyLine = () => `${new Date().toISOString().slice(11, 23)} [info] Foglet.SSH.HostKey: no host key in /data/ssh, generating ssh_host_ed25519_key`;

describe('silence matchers', () => {
  test('parse as amtool writes them, and match anchored', () => {
    const labels = { check: 'ssh-login', severity: 'critical', rule: 'smtp_x' };
    assert.ok(matches(parseMatcher('check=ssh-login'), labels));
    assert.ok(!matches(parseMatcher('check=ssh'), labels));
    assert.ok(matches(parseMatcher('check=~ssh-.*'), labels));
    assert.ok(!matches(parseMatcher('check=~ssh'), labels), 'regexes are anchored');
    assert.ok(matches(parseMatcher('severity!=info'), labels));
    assert.ok(matches(parseMatcher('rule!~"ssh.*"'), labels));
    assert.ok(matches(parseMatcher('missing='), labels), 'an absent label is the empty string');
    assert.throws(() => parseMatcher('check'), /expected a matcher/);
    assert.throws(() => parseMatcher('check=~('), /not a valid regular expression/);
  });

  test('a silence is pending, active, then expired; expire ends it now', () => {
    let now = Date.parse('2026-11-25T10:00:00Z');
    let saved: unknown;
    const s = new Silences(undefined, (all) => { saved = all; }, () => now);
    const sil = s.add({ matchers: [parseMatcher('check=ssh-login')], startsAt: '2026-11-25T11:00:00Z', endsAt: '2026-11-25T12:00:00Z', comment: 'maintenance', createdBy: 'me' });
    assert.equal(s.list()[0]!.status.state, 'pending');
    assert.ok(!s.isSilenced({ check: 'ssh-login' }));
    now = Date.parse('2026-11-25T11:30:00Z');
    assert.ok(s.isSilenced({ check: 'ssh-login' }));
    assert.ok(!s.isSilenced({ check: 'up' }));
    assert.ok(s.expire(sil.id));
    assert.equal(s.list()[0]!.status.state, 'expired');
    assert.ok(!s.isSilenced({ check: 'ssh-login' }));
    assert.ok(!s.expire(sil.id), 'already expired');
    assert.equal((saved as unknown[]).length, 1);
    now += 25 * 3600_000;
    assert.deepEqual(s.list(), [], 'forgotten a day after it ended');
  });
});

describe('silences in a running monitor, through the API and the CLI', () => {
  let dir: string;
  let hook: Receiver;
  let daemon: Daemon;
  let base: string;
  const logs = new LogSink();

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-silence-'));
    hook = await Receiver.start();
    daemon = await startDaemon({
      config: validateConfig({
        state_file: path.join(dir, 'state.json'),
        api: { token: API_TOKEN },
        logs: { sources: [{ name: 'shipper', kind: 'http', token: LOG_TOKEN }] },
        alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${hook.url}/hook` }] },
      }),
      logs,
    });
    base = `http://${daemon.address}`;
  });
  after(async () => {
    await daemon.stop();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCli(['silence', ...args, '--url', base], { env: { FOGLET_MONITOR_API_TOKEN: API_TOKEN } });

  test('the API wants the token and a valid silence', async () => {
    assert.equal((await fetch(`${base}/api/silences`)).status, 401);
    const bad = await fetch(`${base}/api/silences`, {
      method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [], endsAt: 'tomorrow', comment: '', createdBy: 'me' }),
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /matchers: expected at least one matcher/);
    const noToken = await runCli(['silence', 'list', '--url', base], { env: { FOGLET_MONITOR_API_TOKEN: '' } });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /no API token/);
  });

  test('a silenced alert fires in /status but is not sent; expiring the silence sends it', async () => {
    const add = await cli(['add', 'rule=host_key_regenerated', 'instance=~.+', '--duration', '2h', '--comment', 'rotating the host key on purpose', '--author', 'ops']);
    assert.equal(add.code, 0, add.stderr);
    const id = add.stdout.trim();
    const list = await cli(['list']);
    assert.match(list.stdout, new RegExp(`${id}\\s+active\\s+rule="host_key_regenerated" instance=~".\\+"`));

    const post = await fetch(`${base}/api/logs`, { method: 'POST', headers: { authorization: `Bearer ${LOG_TOKEN}` }, body: `${hostKeyLine()}\n` });
    assert.equal(post.status, 202);
    const status = await waitFor(async () => {
      const s = (await fetchStatus(base));
      return s.alerting.alerts.some((a) => a.labels.rule === 'host_key_regenerated') && s;
    }, 'the alert');
    const alert = status.alerting.alerts.find((a) => a.labels.rule === 'host_key_regenerated')!;
    assert.equal(alert.state, 'firing');
    assert.equal(alert.silenced, true);
    assert.equal(status.alerting.silences.length, 1);
    // The firing was decided with the alert (queued at once, or not at all): none queued, none sent.
    const sink = status.alerting.sinks.find((x) => x.sink === 'hook')!;
    assert.deepEqual([sink.queued, sink.delivered, sink.retried], [0, 0, 0], 'silenced: nothing queued or sent');
    assert.equal(hook.requests.length, 0, 'silenced: nothing sent');

    const expire = await cli(['expire', id]);
    assert.equal(expire.code, 0, expire.stderr);
    await waitFor(() => hook.accepted.length === 1, 'the firing once the silence ended');
    assert.equal((hook.accepted[0]!.json as { change: string }).change, 'firing');
    const again = await cli(['expire', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /404/);
    assert.ok(!logs.text.includes(API_TOKEN) && !logs.text.includes(LOG_TOKEN));
  });
});
