/**
 * A small stand-in for a Foglet board, behind `foglet-monitor demo` and the tests.
 * HTTP answers as Foglet's router does (foglet.md §1): `GET|HEAD /up` is 200 `ok`
 * (text/plain, no newline), anything else is a JSON 404. The SSH side is SshBoard.
 * Fault modes let a test or a demo user break either on purpose.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoardLog, LOG_FAULTS, type LogFault } from './board-log.js';
import { APP_FAULTS, BoardMetrics, type AppFault } from './board-metrics.js';
import { SSH_FAULTS, SshBoard, type SshBoardOptions, type SshFault } from './ssh-board.js';

export const HTTP_FAULTS = ['none', 'status_500', 'wrong_body', 'hang'] as const;
export type HttpFault = (typeof HTTP_FAULTS)[number];

export interface FakeFogletOptions {
  host?: string;
  httpPort?: number;
  ssh?: SshBoardOptions;
  /** Write a Foglet-style log here (boot lines, requests, failures on request). */
  logFile?: string;
  /** The private metrics listener's port (Foglet: 9091); 0 or unset picks one. */
  metricsPort?: number;
}

export class FakeFoglet {
  httpFault: HttpFault = 'none';
  /** Requests seen on /up, for tests that count probes. */
  upRequests = 0;
  private readonly server: http.Server;
  private readonly metricsServer: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();

  readonly ssh: SshBoard;
  readonly log: BoardLog | undefined;
  readonly metrics: BoardMetrics;

  private constructor(private readonly opts: FakeFogletOptions) {
    this.ssh = new SshBoard({ host: opts.host, ...opts.ssh });
    this.log = opts.logFile
      ? new BoardLog(opts.logFile, () => ({ ssh: this.ssh.address.port, http: (this.server.address() as AddressInfo).port }))
      : undefined;
    this.metrics = new BoardMetrics(this.ssh);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.metricsServer = http.createServer((req, res) => this.serveMetrics(req, res));
    for (const server of [this.server, this.metricsServer]) {
      server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    }
  }

  static async start(opts: FakeFogletOptions = {}): Promise<FakeFoglet> {
    const board = new FakeFoglet(opts);
    await new Promise<void>((resolve, reject) => {
      board.server.once('error', reject);
      board.server.listen(opts.httpPort ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    try {
      await new Promise<void>((resolve, reject) => {
        board.metricsServer.once('error', reject);
        board.metricsServer.listen(opts.metricsPort ?? 0, opts.host ?? '127.0.0.1', () => resolve());
      });
      await board.ssh.start();
      board.log?.boot();
    } catch (e) {
      await board.stop();
      throw e;
    }
    return board;
  }

  get httpUrl(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${this.opts.host ?? '127.0.0.1'}:${a.port}`;
  }

  get metricsUrl(): string {
    const a = this.metricsServer.address() as AddressInfo;
    return `http://${this.opts.host ?? '127.0.0.1'}:${a.port}/metrics`;
  }

  /** As Foglet's Metrics.Plug: GET /metrics, 404 elsewhere, 405 for other methods. */
  private serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (new URL(req.url ?? '/', 'http://board').pathname !== '/metrics') return void res.writeHead(404).end('not found\n');
    if (req.method !== 'GET') return void res.writeHead(405).end('method not allowed\n');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(this.metrics.render());
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://board');
    if (url.pathname === '/_demo/fault' && req.method === 'POST') return this.setFaults(url, res);
    if (url.pathname === '/up' && (req.method === 'GET' || req.method === 'HEAD')) {
      this.upRequests++;
      // Foglet counts each request twice: once as route="unknown" (foglet.md §1).
      this.metrics.inc('foglet_phoenix_requests_total{route="unknown"}');
      this.metrics.inc('foglet_phoenix_requests_total{route="/up"}');
      if (this.httpFault !== 'hang') this.log?.request(url.pathname, this.httpFault === 'status_500' ? 500 : 200);
      switch (this.httpFault) {
        case 'hang':
          return; // accept and never answer: the probe must time out
        case 'status_500':
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
          return;
        case 'wrong_body':
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('maintenance');
          return;
        default:
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
          return;
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":{"detail":"Not Found"}}');
  }

  /**
   * `POST /_demo/fault?http=status_500&ssh=rate_limited` breaks the board on purpose
   * (`none` mends it), so a demo user can watch the monitor notice; `log=migration`
   * (and the other LOG_FAULTS) writes that failure's lines to the board's log once;
   * `app=restart` resets the metrics' counters as a restart does (and the other APP_FAULTS);
   * `reset` mends every lasting fault. Not part of Foglet.
   */
  private setFaults(url: URL, res: http.ServerResponse): void {
    // `?reset`: every lasting fault mended at once (log faults are written once and stay written).
    const reset = url.searchParams.has('reset');
    const httpFault = url.searchParams.get('http') ?? (reset ? 'none' : null);
    const sshFault = url.searchParams.get('ssh') ?? (reset ? 'none' : null);
    const httpOk = httpFault === null || (HTTP_FAULTS as readonly string[]).includes(httpFault);
    const sshOk = sshFault === null || (SSH_FAULTS as readonly string[]).includes(sshFault);
    const logFault = url.searchParams.get('log');
    const logOk = logFault === null || (this.log !== undefined && (LOG_FAULTS as readonly string[]).includes(logFault));
    const appFault = url.searchParams.get('app') ?? (reset ? 'none' : null);
    const appOk = appFault === null || (APP_FAULTS as readonly string[]).includes(appFault);
    if (!httpOk || !sshOk || !logOk || !appOk) {
      res.writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'unknown fault', http: HTTP_FAULTS, ssh: SSH_FAULTS, log: this.log ? LOG_FAULTS : [], app: APP_FAULTS }));
      return;
    }
    if (appFault !== null) this.metrics.fault(appFault as AppFault);
    if (logFault !== null) this.log!.fault(logFault as LogFault);
    if (httpFault !== null) this.httpFault = httpFault as HttpFault;
    if (sshFault !== null) this.ssh.fault = sshFault as SshFault;
    // The lasting faults as they stand, and what this request did that lasts no longer (a log line written, an app event).
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      http: this.httpFault, ssh: this.ssh.fault,
      ...(appFault !== null ? { app: appFault } : {}),
      ...(logFault !== null ? { log: `${logFault}: written to the board's log` } : {}),
    }));
  }

  async stop(): Promise<void> {
    await this.ssh.stop();
    for (const s of this.sockets) s.destroy();
    await Promise.all([this.server, this.metricsServer].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
