/**
 * The server stays reachable and the checks keep passing under hostile connections:
 * an upload without the token is answered and cut off, not read to its end; a chunked
 * log upload past its source's max_body_bytes is refused while it streams; a flood of
 * idle connections past max_connections is refused and counted, and the checks go on.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const API_TOKEN = 'conn-api-token-0123456789';
const LOG_TOKEN = 'conn-log-token-0123456789';

/** Sends a chunked body as fast as the socket takes it (at most `maxBytes`); resolves with the answer's status line and the bytes the server let in. */
function streamChunked(base: string, path: string, token: string, maxBytes: number): Promise<{ status: string; sent: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let sent = 0;
    let answer = '';
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const pump = () => {
      while (sent < maxBytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) socket.end('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`);
      pump();
    });
    socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    socket.on('error', () => { /* reset by the server: what the test expects */ });
    socket.on('close', () => resolve({ status: answer.split('\r\n')[0] ?? '', sent }));
    setTimeout(() => { socket.destroy(); reject(new Error(`no answer after ${sent} bytes`)); }, 20_000).unref();
  });
}

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

  test('a chunked log upload past max_body_bytes is refused while it streams', async () => {
    const r = await streamChunked(stack.base, '/api/logs', LOG_TOKEN, 512 * 1024 * 1024);
    assert.match(r.status, /^HTTP\/1\.1 413/);
    assert.ok(r.sent < 64 * 1024 * 1024, `the server took ${r.sent} bytes before closing`);
  });

  test('more idle connections than max_connections: the rest are refused and counted, and the check keeps passing', async () => {
    const runsBefore = await upRuns(stack.base);
    const flood: net.Socket[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const s = net.connect(Number(new URL(stack.base).port), '127.0.0.1');
        s.on('error', () => {});
        flood.push(s);
      }
      await waitFor(() => flood.filter((s) => s.destroyed || s.closed).length >= 40 - 16, 'the connections past the cap to be refused');
      // The check goes on while the server is full: its runs are counted by the daemon, read here without a connection.
      await waitFor(() => daemonChecks(stack)[0]!.runs >= runsBefore + 2, 'two more runs of the check', 10_000);
    } finally {
      for (const s of flood) s.destroy();
    }
    assert.equal(daemonChecks(stack)[0]!.state, 'ok');
    const metrics = await waitFor(async () => (await fetch(`${stack.base}/metrics`)).text(), 'the server to answer again');
    const refused = Number(/^foglet_monitor_http_connections_refused_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(refused >= 40 - 16, `refused ${refused}`);
    assert.match(stack.logs.text, /HTTP server at max_connections: refusing new connections/);
  });
});

/** The daemon's own view of its checks, read without a connection (the server may be full). */
function daemonChecks(stack: Stack): Array<{ runs: number; state: string }> {
  return (stack.daemon.status() as { checks: Array<{ runs: number; state: string }> }).checks;
}

async function upRuns(base: string): Promise<number> {
  const s = (await (await fetch(`${base}/status`)).json()) as { checks: Array<{ runs: number }> };
  return s.checks[0]!.runs;
}
