/**
 * The server stays reachable and the checks keep passing under hostile connections:
 * an upload without the token is answered and cut off, not read to its end; a chunked
 * log upload past its source's max_body_bytes is refused while it streams; a flood of
 * idle connections past max_connections closes the longest idle, so /healthz still answers
 * and the checks go on; only when every connection is busy is a new one refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import http from 'node:http';
import { connectionCap, descriptorReserve, guardConnections, openFilesLimit } from '../../src/server/connections.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { streamChunked } from '../helpers/upload.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';

const API_TOKEN = 'conn-api-token-0123456789';
const LOG_TOKEN = 'conn-log-token-0123456789';

describe('hostile connections', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack(({ board }) => ({
      max_connections: 16,
      api: { token: API_TOKEN },
      checks: [{ name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '* * * * * *', timeout: '2s' }],
      logs: { sources: [{ name: 'shipper', kind: 'http', token: LOG_TOKEN, max_body_bytes: 4096 }] },
    }));
  });
  after(() => stack.stop());

  test('an upload without the token gets its 401 and the connection closes: the body is not read to its end', async () => {
    const r = await streamChunked(stack.base, '/api/silences', 'wrong-token-0123456789', 512 * 1024 * 1024);
    assert.match(r.status, /^HTTP\/1\.1 401/);
    assert.ok(r.sent < 64 * 1024 * 1024, `the server took ${r.sent} bytes before closing`);
  });

  test('an upload to a path that is not there (404) or of a type not taken (415) gets its answer and the connection closes', async () => {
    const lost = await streamChunked(stack.base, '/nonexistent', '', 512 * 1024 * 1024, null);
    assert.match(lost.status, /^HTTP\/1\.1 404/);
    assert.ok(lost.sent < 64 * 1024 * 1024, `the server took ${lost.sent} bytes before closing`);
    const wrongType = await streamChunked(stack.base, '/api/silences', API_TOKEN, 512 * 1024 * 1024, 'application/x-www-form-urlencoded');
    assert.match(wrongType.status, /^HTTP\/1\.1 415/);
    assert.ok(wrongType.sent < 64 * 1024 * 1024, `the server took ${wrongType.sent} bytes before closing`);
  });

  test('a POST to a read-only or unknown path is answered 404 before its body, which never comes', async () => {
    for (const path of ['/status', '/nope', '/metrics']) {
      const s = await connected(stack.base);
      let answer = '';
      s.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
      // Declares a body and sends none: the answer must not wait for it.
      s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
      await waitFor(() => answer.includes('\r\n\r\n'), `the answer to POST ${path}`);
      assert.match(answer, /^HTTP\/1\.1 404/, path);
      assert.match(answer, /connection: close/i);
      s.destroy();
    }
  });

  test('a client that pipelines thousands of requests and reads no answer is closed; /healthz answers meanwhile', async () => {
    const floods: net.Socket[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const s = await connected(stack.base);
        s.pause(); // reads nothing
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3000));
        floods.push(s);
      }
      await waitFor(() => /closing connections that pipeline more than 16 requests/.test(stack.logs.text), 'the pipelining connections to be closed');
      const r = await fetch(`${stack.base}/healthz`, { headers: { connection: 'close' } });
      assert.equal(r.status, 200);
      // Each connection got at most 16 answers made: the other 2,984 requests of each made none.
      const metrics = await (await fetch(`${stack.base}/metrics`)).text();
      assert.ok(Number(/^foglet_monitor_http_connections_evicted_total (\d+)/m.exec(metrics)?.[1]) >= 10);
    } finally {
      for (const s of floods) s.destroy();
    }
  });

  test('a chunked log upload past max_body_bytes is refused while it streams', async () => {
    const r = await streamChunked(stack.base, '/api/logs', LOG_TOKEN, 512 * 1024 * 1024);
    assert.match(r.status, /^HTTP\/1\.1 413/);
    assert.ok(r.sent < 64 * 1024 * 1024, `the server took ${r.sent} bytes before closing`);
  });

  test('more idle connections than max_connections: the longest idle make room, /healthz answers during the flood, the check keeps passing', async () => {
    const runsBefore = await upRuns(stack.base);
    const flood: net.Socket[] = [];
    try {
      for (let i = 0; i < 40; i++) flood.push(await connected(stack.base));
      await waitFor(() => flood.filter((s) => s.closed).length >= 40 - 16, 'the longest-idle connections to be closed');
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${stack.base}/healthz`, { headers: { connection: 'close' } });
        assert.equal(r.status, 200, 'the server answers while the flood holds it full');
        await r.arrayBuffer();
      }
      await waitFor(() => daemonChecks(stack)[0]!.runs >= runsBefore + 2, 'two more runs of the check', 10_000);
      assert.equal(daemonChecks(stack)[0]!.state, 'ok');
    } finally {
      for (const s of flood) s.destroy();
    }
    const metrics = await (await fetch(`${stack.base}/metrics`)).text();
    const evicted = Number(/^foglet_monitor_http_connections_evicted_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(evicted >= 40 - 16 + 1, `evicted ${evicted}`);
    assert.match(stack.logs.text, /HTTP server at max_connections: closing the longest-idle connections/);
  });

  test('when every connection has a request in flight, a new one is refused and counted, and the server answers once they end', async () => {
    const uploads: net.Socket[] = [];
    try {
      // A request is in flight once the server has said "100 Continue" to it; its body never comes.
      for (let i = 0; i < 16; i++) uploads.push(await uploadInFlight(stack.base, LOG_TOKEN));
      const extra = await connected(stack.base);
      let got = 0;
      extra.on('data', (d: Buffer) => { got += d.length; });
      extra.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => extra.closed, 'the connection past the cap to be closed');
      assert.equal(got, 0, 'the refused connection got no answer');
    } finally {
      for (const s of uploads) s.destroy();
    }
    const metrics = await waitFor(() => fetch(`${stack.base}/metrics`).then((r) => r.text(), () => ''), 'the server to answer again');
    const refused = Number(/^foglet_monitor_http_connections_refused_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(refused >= 1, `refused ${refused}`);
    assert.match(stack.logs.text, /HTTP server at max_connections: every connection is busy, refusing new ones/);
    assert.doesNotMatch(stack.logs.text, /"level":50.*"err":"aborted"/, 'an upload the client gave up is not a server error');
  });
});

/** A raw connection, once connected. */
function connected(base: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(new URL(base).port), '127.0.0.1');
    s.on('error', () => { /* closed by the server: what the tests expect */ });
    s.once('connect', () => resolve(s));
    s.once('close', () => reject(new Error('closed before it connected')));
  });
}

/** A log upload whose headers the server has taken (it said 100 Continue) and whose body never comes. */
async function uploadInFlight(base: string, token: string): Promise<net.Socket> {
  const s = await connected(base);
  let answer = '';
  s.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
  s.write(`POST /api/logs?source=shipper HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\n`
    + 'Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n');
  await waitFor(() => answer.startsWith('HTTP/1.1 100 Continue') || s.closed, 'the server to take the request');
  assert.ok(!s.closed, `the upload was closed: ${answer}`);
  return s;
}

/** The daemon's own view of its checks, read without a connection (the server may be full). */
function daemonChecks(stack: Stack): Array<{ runs: number; state: string }> {
  return stack.daemon.status().checks;
}

async function upRuns(base: string): Promise<number> {
  const s = (await fetchStatus(base));
  return s.checks[0]!.runs;
}

describe('requests whose body trickles in', () => {
  test('at the cap with every connection busy, a request running past the stale limit makes room: the new /healthz is answered', async () => {
    let clock = 0;
    const counts = { evicted: 0, refused: 0 };
    let taken = 0;
    const server = http.createServer((req, res) => {
      if (req.method === 'GET') return void res.end('ok');
      taken++;
      req.resume();
      req.on('end', () => res.end('uploaded'));
    });
    guardConnections(server, 4, { evicted: () => counts.evicted++, refused: () => counts.refused++, count: () => {} }, { now: () => clock, staleRequestMs: 5_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const uploads: net.Socket[] = [];
    try {
      // Four uploads whose body trickles (a byte, then nothing): every connection is busy.
      for (let i = 0; i < 4; i++) {
        const s = await connected(base);
        s.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx');
        uploads.push(s);
      }
      await waitFor(() => taken === 4, 'the server to take the four uploads');
      const young = await getOver(base);
      assert.equal(young, '', 'a new connection is refused while every request in flight is young');
      assert.equal(counts.refused, 1);
      clock += 5_000;
      const answer = await getOver(base);
      assert.match(answer, /^HTTP\/1\.1 200/, 'the stale upload made room');
      assert.equal(counts.evicted, 1);
      await waitFor(() => uploads.filter((s) => s.closed).length === 1, 'the longest-running upload to be closed');
      assert.ok(uploads[0]!.closed, 'the first upload, the longest running, is the one closed');
    } finally {
      for (const s of uploads) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** GET /healthz on a new raw connection: what came back before the connection closed. */
async function getOver(base: string): Promise<string> {
  const s = await connected(base);
  let got = '';
  s.on('data', (d: Buffer) => { got += d.toString('latin1'); if (got.includes('\r\n\r\nok')) s.destroy(); });
  s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await waitFor(() => s.closed, 'the GET to end');
  return got;
}

describe('the connection cap and the open-files limit', () => {
  test('max_connections holds when the limit has room for it and the reserve; otherwise it is lowered to fit, never below 8', () => {
    const reserve = descriptorReserve({ checks: 2, sources: 2, sinks: 1 });
    assert.equal(reserve, 84);
    assert.deepEqual(connectionCap(256, 1024, reserve), { cap: 256, lowered: false });
    assert.deepEqual(connectionCap(256, 128, reserve), { cap: 44, lowered: true });
    assert.deepEqual(connectionCap(256, 64, reserve), { cap: 8, lowered: true });
    assert.deepEqual(connectionCap(256, undefined, reserve), { cap: 256, lowered: false });
  });

  test('the open-files limit read is the one the process has (node raises the soft limit to the hard one)', () => {
    const limit = openFilesLimit();
    assert.ok(limit !== undefined && limit > 0, `limit ${limit}`);
    const hard = /^Max open files\s+\d+\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]!;
    assert.equal(String(limit), hard === 'unlimited' ? String(limit) : hard);
  });
});
