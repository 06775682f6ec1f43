/**
 * GET /probe, for Prometheus to schedule probes (blackbox_exporter's multi-target pattern),
 * against the fake board's real HTTP and SSH servers: off unless enabled, a configured check
 * run once and answered as metrics, another target only when allowed, and a per-target SSH
 * budget that refuses with a clear error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { validateConfig } from '../../src/config/load.js';
import type { Daemon } from '../../src/daemon.js';
import { FakeFoglet } from '../../src/demo/fake-foglet.js';
import { startDaemon } from '../helpers/daemon.js';
import { fetchStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'Probe-Endpoint-Pa55word';

describe('/probe', () => {
  let board: FakeFoglet;
  let other: TestServer;
  let dir: string;
  let daemon: Daemon;
  let base: string;

  const config = (probeEndpoint: Record<string, unknown>) => validateConfig({
    state_file: path.join(dir, 'state.json'),
    checks: [
      { name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '0 0 0 1 1 *', timeout: '2s' },
      {
        name: 'ssh-login', kind: 'ssh', host: '127.0.0.1', port: board.ssh.address.port, schedule: '0 0 0 1 1 *', timeout: '3s',
        host_key: board.ssh.hostKeyFingerprint, expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q', login: { handle: 'probe', password: PASSWORD },
      },
    ],
    probe_endpoint: probeEndpoint,
  });

  before(async () => {
    board = await FakeFoglet.start();
    board.ssh.accounts.set('probe', PASSWORD);
    other = await startHttpServer((_req, res) => res.writeHead(503).end('maintenance'));
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-probe-'));
    daemon = await startDaemon({ config: config({ enabled: true, allowed_targets: [new URL(other.url).host], ssh_per_minute: 2 }) });
    base = `http://${daemon.address}`;
  });
  after(async () => {
    await daemon.stop();
    await board.stop();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (query: string) => {
    const res = await fetch(`${base}/probe?${query}`);
    return { status: res.status, text: await res.text() };
  };
  const samples = (text: string) => {
    const out = new Map<string, number>();
    for (const family of parsePrometheusTextFormat(text) as Array<{ name: string; metrics: Array<{ value: string; labels?: Record<string, string> }> }>) {
      for (const m of family.metrics) {
        const labels = Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(',');
        out.set(labels ? `${family.name}{${labels}}` : family.name, Number(m.value));
      }
    }
    return out;
  };

  test('?check= runs the configured check once and answers blackbox_exporter\'s metrics', async () => {
    const up = await get('check=up');
    assert.equal(up.status, 200, up.text);
    const s = samples(up.text);
    assert.equal(s.get('probe_success'), 1);
    assert.ok((s.get('probe_duration_seconds') ?? -1) > 0);
    assert.ok([...s.keys()].some((k) => k.startsWith('probe_phase_duration_seconds{phase=')), up.text);

    const ssh = await get('check=ssh-login');
    assert.equal(samples(ssh.text).get('probe_success'), 1, ssh.text);
    assert.ok(samples(ssh.text).has('probe_phase_duration_seconds{phase="screen"}'), ssh.text);
    assert.doesNotMatch(ssh.text, new RegExp(PASSWORD));
  });

  test('?module=&target= probes another target only when allowed_targets names it, and says why not', async () => {
    const allowed = await get(`module=up&target=${encodeURIComponent(`${other.url}/up`)}`);
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(samples(allowed.text).get('probe_success'), 0);
    assert.equal(samples(allowed.text).get('probe_failure_reason{reason="http_status"}'), 1, allowed.text);

    const elsewhere = await get(`module=up&target=${encodeURIComponent('http://169.254.169.254/latest/meta-data')}`);
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.text, /target 169\.254\.169\.254:80 is not in probe_endpoint\.allowed_targets/);
    const bad = await get('module=ssh-login&target=not%20a%20host');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /expected host or host:port/);
    assert.equal((await get('check=nope')).status, 404);
    assert.match((await get('')).text, /expected \?check=NAME/);
  });

  test('the SSH budget: past ssh_per_minute runs of one target in a minute, a 429 that names the setting', async () => {
    // The first SSH test spent one of the two this minute.
    assert.equal((await get('check=ssh-login')).status, 200);
    const refused = await get('check=ssh-login');
    assert.equal(refused.status, 429);
    assert.match(refused.text, /SSH probe budget for 127\.0\.0\.1:\d+ spent: 2 a minute \(probe_endpoint\.ssh_per_minute\)/);
  });
});

test('/probe is off unless enabled: 404 with the setting to turn on', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-probe-off-'));
  const daemon = await startDaemon({ config: validateConfig({ state_file: path.join(dir, 'state.json') }) });
  try {
    const res = await fetch(`http://${daemon.address}/probe?check=up`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /probe_endpoint\.enabled/);
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('/probe cannot starve the scheduled checks, nor be redirected elsewhere', () => {
  let dir: string;
  let daemon: Daemon;
  let slow: TestServer;
  let elsewhere: TestServer;
  let hits: string[];
  const held: Array<() => void> = [];
  let holding = false; // off while the daemon starts: its own first run of `hanging` must not hold a slot

  before(async () => {
    hits = [];
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-probe-cap-'));
    // Answers /up at once, holds /hang until the test lets go, and redirects /redir to another host.
    slow = await startHttpServer((req, res) => {
      if (req.url === '/hang' && holding) return void held.push(() => res.end('late'));
      if (req.url?.startsWith('/redir')) return void res.writeHead(302, { location: `${elsewhere.url}/steal` }).end();
      res.end('ok');
    });
    elsewhere = await startHttpServer((req, res) => { hits.push(`${req.url} ${req.headers['x-api-key'] ?? ''}`); res.end('ok'); });
    daemon = await startDaemon({ config: validateConfig({
      state_file: path.join(dir, 'state.json'),
      max_concurrent_probes: 2,
      checks: [
        { name: 'up', kind: 'http', url: `${slow.url}/up`, schedule: '* * * * * *', timeout: '2s' },
        { name: 'hanging', kind: 'http', url: `${slow.url}/hang`, schedule: '0 0 0 1 1 *', timeout: '10s' },
        { name: 'hdr', kind: 'http', url: `${slow.url}/up`, schedule: '0 0 0 1 1 *', timeout: '2s', follow_redirects: true, headers: { 'X-Api-Key': 'hdrsecret-ABCDEFGH12345678' } },
      ],
      probe_endpoint: { enabled: true, allowed_targets: [new URL(slow.url).host] },
    }) });
    // The daemon's own first runs done (hanging's too, answered at once) before anything holds.
    await waitFor(async () => (await fetchStatus(`http://${daemon.address}`)).checks.every((c) => c.runs > 0), 'every check\'s first run');
  });
  after(async () => {
    for (const release of held) release();
    await daemon.stop();
    await slow.close();
    await elsewhere.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('at most half the shared cap: the rest are refused at once with 429, and the scheduled check keeps running', async () => {
    const base = `http://${daemon.address}`;
    const runsOfUp = async () => (await fetchStatus(base)).checks.find((c) => c.name === 'up')!.runs;
    holding = true;
    const first = fetch(`${base}/probe?check=hanging`);
    await waitFor(() => held.length === 1, 'the first /probe run to be holding its slot');
    const more = await Promise.all(Array.from({ length: 5 }, () => fetch(`${base}/probe?check=hanging`)));
    assert.deepEqual(more.map((r) => r.status), [429, 429, 429, 429, 429]);
    assert.match(await more[0]!.text(), /1 \/probe run\(s\) already going \(at most half of max_concurrent_probes/);
    const before = await runsOfUp();
    await waitFor(async () => (await runsOfUp()) >= before + 2, 'two scheduled runs of up while /probe holds its share');
    held.shift()!();
    holding = false;
    assert.equal((await first).status, 200);
  });

  test('another target\'s redirects are not followed: nothing reaches a host allowed_targets does not name, nor the module\'s headers', async () => {
    const base = `http://${daemon.address}`;
    const res = await fetch(`${base}/probe?module=hdr&target=${encodeURIComponent(`${slow.url}/redir`)}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /^probe_success 0$/m, 'a redirect not followed is no success');
    assert.deepEqual(hits, []);
  });
});
