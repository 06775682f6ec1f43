/**
 * Real servers on 127.0.0.1 for tests. Every one is closed by the test that made it,
 * with its open sockets destroyed, so a hanging handler cannot keep the run alive.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  // TLS servers report the raw TCP socket through 'connection' too.
  return sockets;
}

async function listen(server: net.Server, scheme: string): Promise<TestServer> {
  const sockets = track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export function startHttpServer(handler: http.RequestListener): Promise<TestServer> {
  return listen(http.createServer(handler), 'http');
}

export function startHttpsServer(tls: { key: string; cert: string }, handler: http.RequestListener): Promise<TestServer> {
  return listen(https.createServer(tls, handler), 'https');
}

/** A raw TCP server: for servers that accept and say nothing, or send garbage. */
export function startTcpServer(onSocket: (s: net.Socket) => void): Promise<TestServer> {
  return listen(net.createServer(onSocket), 'tcp');
}

/** A port on 127.0.0.1 that nothing listens on (it was just bound and released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SelfSignedCert {
  key: string;
  cert: string;
  certFile: string;
  notAfter: Date;
  cleanup(): void;
}

/** A throw-away self-signed certificate for 127.0.0.1, made with openssl at test time. */
export function makeSelfSignedCert(days = 30): SelfSignedCert {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-cert-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', String(days),
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  const endDate = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-enddate'], { encoding: 'utf8' });
  return {
    key: readFileSync(keyFile, 'utf8'),
    cert: readFileSync(certFile, 'utf8'),
    certFile,
    notAfter: new Date(endDate.trim().replace(/^notAfter=/, '')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
