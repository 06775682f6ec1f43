import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpProbe } from '../../../src/checks/http/probe.js';
import { runProbe } from '../../../src/checks/runner.js';
import type { ProbeResult } from '../../../src/checks/types.js';
import { httpCheck } from '../../helpers/config.js';
import {
  closedPort, makeSelfSignedCert, startHttpServer, startHttpsServer, startTcpServer, type SelfSignedCert, type TestServer,
} from '../../helpers/servers.js';

async function probe(fields: Record<string, unknown>): Promise<ProbeResult> {
  const cfg = httpCheck(fields);
  return runProbe(cfg, new HttpProbe(cfg, { baseDir: process.cwd() }));
}

describe('http check against real servers', () => {
  let board: TestServer;
  let requests = 0;
  before(async () => {
    board = await startHttpServer((req, res) => {
      requests++;
      if (req.url === '/up') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (req.url === '/broken') return void res.writeHead(500).end('boom');
      if (req.url === '/maintenance') return void res.writeHead(200).end('down for maintenance');
      if (req.url === '/moved') return void res.writeHead(302, { location: '/up' }).end();
      if (req.url === '/auth') {
        const ok = req.headers.authorization === 'Bearer t0ps3cret';
        return void res.writeHead(ok ? 200 : 401).end(ok ? 'ok' : 'no');
      }
      if (req.url === '/endless') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => { while (res.write(chunk)) { /* fill the socket buffer */ } };
        res.on('drain', pump);
        pump();
        return;
      }
      res.writeHead(404).end();
    });
  });
  after(() => board.close());

  test('200 ok passes with phase timings and the status code', async () => {
    const r = await probe({ url: `${board.url}/up`, expect: { status: [200], body: '^ok$' } });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.reason, undefined);
    assert.equal(r.details?.status_code, 200);
    assert.ok(r.phases.connect !== undefined && r.phases.processing !== undefined && r.phases.transfer !== undefined);
    const phaseSum = Object.values(r.phases).reduce((a, b) => a + (b ?? 0), 0);
    assert.ok(phaseSum <= r.duration_seconds + 1e-3, `phases ${phaseSum} within total ${r.duration_seconds}`);
    assert.equal(r.target, `${board.url}/up`);
  });

  test('HEAD is sent when asked', async () => {
    const r = await probe({ url: `${board.url}/up`, method: 'HEAD' });
    assert.equal(r.ok, true);
    assert.equal(r.details?.body_bytes, 0);
  });

  test('500 fails with http_status', async () => {
    const r = await probe({ url: `${board.url}/broken` });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'http_status');
    assert.match(r.message ?? '', /500/);
  });

  test('a status listed in expect.status passes', async () => {
    const r = await probe({ url: `${board.url}/broken`, expect: { status: [500] } });
    assert.equal(r.ok, true);
  });

  test('a wrong body fails with body_mismatch', async () => {
    const r = await probe({ url: `${board.url}/maintenance`, expect: { body: '^ok$' } });
    assert.equal(r.reason, 'body_mismatch');
    assert.match(r.message ?? '', /maintenance/);
  });

  test('redirects are not followed by default, and are when asked', async () => {
    const off = await probe({ url: `${board.url}/moved` });
    assert.equal(off.reason, 'http_status');
    assert.equal(off.details?.status_code, 302);
    const on = await probe({ url: `${board.url}/moved`, follow_redirects: true, expect: { body: '^ok$' } });
    assert.equal(on.ok, true, on.message);
  });

  test('configured headers and URL credentials are sent', async () => {
    const r = await probe({ url: `${board.url}/auth`, headers: { Authorization: 'Bearer t0ps3cret' } });
    assert.equal(r.ok, true, r.message);
    const shown = await probe({ url: `http://probe:pa55word@127.0.0.1:${board.port}/up` });
    assert.equal(shown.ok, true);
    assert.ok(!shown.target.includes('pa55word'), 'target hides URL credentials');
  });

  test('an endless body is cut at max_body_bytes, not read forever', async () => {
    const r = await probe({ url: `${board.url}/endless`, max_body_bytes: 100_000, timeout: '3s' });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.details?.body_truncated, true);
    assert.equal(r.details?.body_bytes, 100_000);
    assert.ok(r.duration_seconds < 3);
  });

  test('a closed port fails with connect_refused', async () => {
    const port = await closedPort();
    const r = await probe({ url: `http://127.0.0.1:${port}/up` });
    assert.equal(r.reason, 'connect_refused');
  });

  test('an unresolvable name fails with dns_error', async () => {
    // .invalid is reserved (RFC 2606): the resolver answers NXDOMAIN without leaving the machine.
    const r = await probe({ url: 'http://foglet-monitor-test.invalid/up', timeout: '5s' });
    assert.ok(r.reason === 'dns_error' || r.reason === 'timeout', `got ${r.reason}: ${r.message}`);
    if (r.reason === 'dns_error') assert.ok(r.phases.dns !== undefined);
  });
});

describe('http check timeouts', () => {
  test('a server that accepts and never answers fails with timeout inside the timeout', async () => {
    const silent = await startTcpServer(() => { /* accept, read nothing, answer nothing */ });
    try {
      const r = await probe({ url: `${silent.url.replace('tcp:', 'http:')}/up`, timeout: '500ms' });
      assert.equal(r.reason, 'timeout');
      assert.equal(r.details?.phase, 'processing');
      assert.ok(r.duration_seconds >= 0.45 && r.duration_seconds < 1.5, `took ${r.duration_seconds}s`);
    } finally {
      await silent.close();
    }
  });

  test('a server that never finishes its headers (one byte at a time) fails with timeout inside the timeout', async () => {
    const trickle = await startTcpServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nX-Slow: ');
        const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('a')), 20);
        s.on('close', () => clearInterval(timer));
      });
    });
    try {
      const r = await probe({ url: `${trickle.url.replace('tcp:', 'http:')}/up`, timeout: '500ms' });
      assert.equal(r.reason, 'timeout', r.message);
      assert.ok(r.duration_seconds >= 0.45 && r.duration_seconds < 1.5, `took ${r.duration_seconds}s`);
    } finally {
      await trickle.close();
    }
  });

  test('a server that sends garbage fails with protocol_error', async () => {
    const liar = await startTcpServer((s) => s.on('data', () => s.end('SSH-2.0-not-http\r\n\r\n')));
    try {
      const r = await probe({ url: `${liar.url.replace('tcp:', 'http:')}/up` });
      assert.equal(r.reason, 'protocol_error', r.message);
    } finally {
      await liar.close();
    }
  });
});

describe('http check over TLS', () => {
  let cert: SelfSignedCert;
  let server: TestServer;
  before(async () => {
    cert = makeSelfSignedCert(30);
    server = await startHttpsServer(cert, (_req, res) => res.writeHead(200).end('ok'));
  });
  after(async () => { await server.close(); cert.cleanup(); });

  test('a self-signed certificate fails with tls_error', async () => {
    const r = await probe({ url: `${server.url}/up` });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'tls_error', r.message);
  });

  test('trusting its CA passes and reports the certificate expiry', async () => {
    const r = await probe({ url: `${server.url}/up`, tls: { ca_file: cert.certFile } });
    assert.equal(r.ok, true, r.message);
    const tls = r.details!.tls!;
    assert.equal(tls.authorized, true);
    assert.equal(tls.cert_expiry_timestamp_seconds, Math.floor(cert.notAfter.getTime() / 1000));
    assert.ok(r.phases.tls !== undefined && r.phases.tls > 0, 'tls phase timed');
  });

  test('insecure_skip_verify passes without trusting the CA', async () => {
    const r = await probe({ url: `${server.url}/up`, tls: { insecure_skip_verify: true } });
    assert.equal(r.ok, true, r.message);
  });

  test('a missing ca_file is a tls_error that names the field', async () => {
    const r = await probe({ url: `${server.url}/up`, tls: { ca_file: '/nonexistent/ca.pem' } });
    assert.equal(r.reason, 'tls_error');
    assert.match(r.message ?? '', /tls\.ca_file/);
  });
});
