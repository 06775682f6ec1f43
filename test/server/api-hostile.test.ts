/**
 * The write API (/api/silences, /api/releases, /api/logs) against callers without
 * the token, with a wrong one, and with bodies that are too big or not what they
 * claim: each gets a clear 4xx, nothing changes, and the daemon goes on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { LogSink } from '../helpers/sink.js';
import { fetchStatus } from '../helpers/status.js';
import type { Daemon } from '../../src/daemon.js';
import { startDaemon } from '../helpers/daemon.js';

const API_TOKEN = 'api-Token-hostile-0123456789';
const LOG_TOKEN = 'log-Token-hostile-9876543210';

interface Call { method: string; path: string; token: string; body?: string; type?: string }

const CALLS: Call[] = [
  { method: 'POST', path: '/api/silences', token: API_TOKEN, type: 'application/json' },
  { method: 'GET', path: '/api/silences', token: API_TOKEN },
  { method: 'DELETE', path: '/api/silences/abc', token: API_TOKEN },
  { method: 'POST', path: '/api/releases', token: API_TOKEN, type: 'application/json' },
  { method: 'GET', path: '/api/releases', token: API_TOKEN },
  { method: 'POST', path: '/api/logs', token: LOG_TOKEN, type: 'text/plain' },
];

describe('the write API under hostile requests', () => {
  let dir: string;
  let daemon: Daemon;
  let base: string;
  const logs = new LogSink();

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fm-api-hostile-'));
    daemon = await startDaemon({
      config: validateConfig({
        state_file: path.join(dir, 'state.json'),
        api: { token: API_TOKEN },
        logs: { sources: [{ name: 'shipper', kind: 'http', token: LOG_TOKEN, max_body_bytes: 4096 }] },
      }),
      logs,
    });
    base = `http://${daemon.address}`;
  });
  after(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (c: Call, auth: string | undefined, body = c.body ?? (c.type === 'application/json' ? '{}' : 'x\n')) => fetch(`${base}${c.path}`, {
    method: c.method,
    headers: { ...(auth !== undefined ? { authorization: auth } : {}), ...(c.method !== 'GET' && c.method !== 'DELETE' ? { 'content-type': c.type! } : {}) },
    ...(c.method !== 'GET' && c.method !== 'DELETE' ? { body } : {}),
  });

  const nothingChanged = async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    assert.deepEqual(await (await fetch(`${base}/api/silences`, { headers: auth })).json(), []);
    assert.deepEqual(await (await fetch(`${base}/api/releases`, { headers: auth })).json(), []);
    const status = (await fetchStatus(base));
    assert.equal(status.logs.sources[0]!.lines, 0, 'no log line taken');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  };

  test('no token, a wrong token, another scheme, a token of the other API, a huge token: 401, with nothing parsed', async () => {
    for (const c of CALLS) {
      const other = c.token === API_TOKEN ? LOG_TOKEN : API_TOKEN;
      for (const auth of [undefined, 'Bearer ', `Bearer ${c.token.slice(0, -1)}`, `Bearer ${c.token}x`, `Basic ${Buffer.from(`u:${c.token}`).toString('base64')}`,
        `bearer${c.token}`, `Bearer ${other}`, `Bearer ${'A'.repeat(8000)}`]) {
        const r = await send(c, auth, c.type === 'application/json' ? '{"not": "even parsed"' : undefined);
        assert.equal(r.status, 401, `${c.method} ${c.path} with ${String(auth).slice(0, 30)}: ${r.status}`);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer');
      }
    }
    await nothingChanged();
  });

  test('malformed bodies: a clear 400 that says what is wrong', async () => {
    const silences = CALLS[0]!;
    const cases: Array<[string, RegExp]> = [
      ['{"matchers": [', /JSON/i],
      ['[]', /expected object/],
      ['"a string"', /expected object/],
      ['{"matchers":[{"name":"9bad","value":"x"}],"endsAt":"2099-01-01T00:00:00Z","comment":"c","createdBy":"me"}', /matchers\[0\]\.name: expected a label name/],
      ['{"matchers":[{"name":"a","value":"(","isRegex":true}],"endsAt":"2099-01-01T00:00:00Z","comment":"c","createdBy":"me"}', /matchers\[0\]\.value: expected a valid regular expression/],
      [`{"matchers":[{"name":"a","value":"x"}],"endsAt":"2099-01-01T00:00:00Z","comment":"${'c'.repeat(5000)}","createdBy":"me"}`, /comment: Too big/i],
      ['{"matchers":[{"name":"a","value":"x"}],"endsAt":"tomorrow","comment":"c","createdBy":"me","extra":1}', /endsAt|extra/],
      [`${'['.repeat(30_000)}${']'.repeat(30_000)}`, /expected object/],
    ];
    for (const [body, why] of cases) {
      const r = await send(silences, `Bearer ${API_TOKEN}`, body);
      assert.equal(r.status, 400, `${body.slice(0, 40)}: ${r.status}`);
      assert.match(((await r.json()) as { error?: string; message?: string }).error ?? '', why);
    }
    const release = await send(CALLS[3]!, `Bearer ${API_TOKEN}`, '{"version":"","status":"shipped"}');
    assert.equal(release.status, 400);
    assert.match(((await release.json()) as { error: string }).error, /version: .*; status: /);
    const wrongType = await fetch(`${base}/api/releases`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/xml' }, body: '<release/>' });
    assert.equal(wrongType.status, 415);
    const empty = await send(CALLS[5]!, `Bearer ${LOG_TOKEN}`, '');
    assert.equal(empty.status, 400);
    await nothingChanged();
  });

  test('oversized bodies: 413, refused from the declared length before they are read', async () => {
    for (const c of [CALLS[0]!, CALLS[3]!, CALLS[5]!]) {
      const big = c.type === 'application/json' ? JSON.stringify({ comment: 'x'.repeat(2 * 1024 * 1024) }) : 'a line\n'.repeat(100_000);
      const r = await send(c, `Bearer ${c.token}`, big);
      assert.equal(r.status, 413, `${c.path}: ${r.status}`);
    }
    // A body that says it is small and is not: the connection is cut, the daemon goes on.
    const lied = await new Promise<string>((resolve) => {
      const s = net.connect(Number(daemon.address.split(':')[1]), '127.0.0.1', () => {
        s.write(`POST /api/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n${'{'.repeat(100_000)}`);
      });
      let got = '';
      s.on('data', (d) => { got += d; });
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), 2000);
    });
    assert.match(lied, /^HTTP\/1\.1 400/);
    await nothingChanged();
  });

  test('nothing of either token reached the log', () => {
    assert.ok(logs.text.length > 0);
    assert.ok(!logs.text.includes(API_TOKEN) && !logs.text.includes(LOG_TOKEN));
  });
});
