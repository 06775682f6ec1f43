/** An HTTP receiver on 127.0.0.1 that keeps every request, and answers as a test says. */
import { startHttpServer, type TestServer } from './servers.js';

export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: unknown;
  status: number;
  /** Epoch ms (fractional, from the monotonic clock) when the request was complete. */
  at: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** The status to answer with next; a function decides per request. */
  status: number | ((req: { n: number; body: string; path: string }) => number) = 200;
  private server!: TestServer;

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    r.server = await startHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = typeof r.status === 'function' ? r.status({ n: r.requests.length, body, path: req.url ?? '/' }) : r.status;
        let json: unknown;
        try { json = JSON.parse(body); } catch { json = undefined; }
        r.requests.push({ path: req.url ?? '/', headers: req.headers, body, json, status, at: performance.timeOrigin + performance.now() });
        res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{"status":"ok"}' : '{"error":"nope"}');
      });
    });
    return r;
  }

  get url(): string { return this.server.url; }
  /** Requests that were answered 2xx: what the receiver accepted. */
  get accepted(): Received[] { return this.requests.filter((r) => r.status < 300); }
  close(): Promise<void> { return this.server.close(); }
}
