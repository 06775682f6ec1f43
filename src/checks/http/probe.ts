/**
 * `kind: http`: one request with undici, timed by phase (dns, connect, tls,
 * processing, transfer). Each probe uses its own connection, so every run measures
 * the whole path a user's first request takes, and nothing is kept between runs.
 */
import dns from 'node:dns';
import net from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, interceptors, type Dispatcher } from 'undici';
import type { HttpCheckConfig } from './schema.js';
import { readBounded } from '../body.js';
import { classifyNetworkError, rootMessage } from '../errors.js';
import { PhaseClock, type Probe, type ProbeContext, type ProbeDeps, type ProbeDetails, type ProbeOutcome, type TlsDetails } from '../types.js';
import { linearRegex, type TextMatcher } from '../../linear-regex.js';
import { USER_AGENT } from '../../version.js';

type HttpPhase = 'dns' | 'connect' | 'tls' | 'processing' | 'transfer';

export class HttpProbe implements Probe {
  readonly kind = 'http';
  readonly target: string;
  private readonly url: URL;
  private ca: string | undefined;

  /** expect.body, on the linear-time engine: no body can make it backtrack. */
  private readonly body: TextMatcher | undefined;

  constructor(private readonly cfg: HttpCheckConfig, private readonly deps: ProbeDeps) {
    this.body = cfg.expect.body !== undefined ? linearRegex(cfg.expect.body) : undefined;
    this.url = new URL(cfg.url);
    const shown = new URL(cfg.url);
    shown.username = '';
    shown.password = '';
    this.target = shown.toString();
  }

  async run({ signal }: ProbeContext): Promise<ProbeOutcome> {
    const clock = new PhaseClock<HttpPhase>();
    const details: ProbeDetails = {};
    const isHttps = this.url.protocol === 'https:';
    let ca: string | undefined;
    try {
      ca = await this.loadCa();
    } catch (e) {
      return { ok: false, reason: 'tls_error', message: `cannot read tls.ca_file: ${(e as Error).message}`, phases: {} };
    }

    const base = buildConnector({
      timeout: this.cfg.timeout.ms,
      rejectUnauthorized: !this.cfg.tls.insecure_skip_verify,
      ...(ca ? { ca } : {}),
      ...(this.cfg.tls.server_name ? { servername: this.cfg.tls.server_name } : {}),
      lookup: (hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
        dns.lookup(hostname, options, (...args: unknown[]) => {
          clock.start('connect');
          callback(...args);
        });
      },
    } as buildConnector.BuildOptions);

    const connect: buildConnector.connector = (opts, callback) => {
      clock.start(net.isIP(opts.hostname.replace(/^\[|\]$/g, '')) ? 'connect' : 'dns');
      const socket = base(opts, ((err: Error | null, sock: net.Socket | null) => {
        if (!err && sock && isHttps) details.tls = describeTls(sock as TLSSocket);
        if (!err) clock.start('processing');
        (callback as (e: Error | null, s: net.Socket | null) => void)(err, sock);
      }) as buildConnector.Callback) as unknown as net.Socket;
      if (isHttps) socket.once('connect', () => clock.start('tls'));
      return socket;
    };

    const agent = new Agent({
      connect,
      connections: 1,
      pipelining: 1,
      headersTimeout: this.cfg.timeout.ms,
      bodyTimeout: this.cfg.timeout.ms,
    });
    let dispatcher: Dispatcher = agent;
    if (this.cfg.follow_redirects) dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));

    try {
      const res = await dispatcher.request({
        origin: this.url.origin,
        path: `${this.url.pathname}${this.url.search}`,
        method: this.cfg.method,
        headers: { 'user-agent': USER_AGENT, ...this.cfg.headers, ...basicAuth(this.url) },
        signal,
      });
      clock.start('transfer');
      details.status_code = res.statusCode;
      const body = await readBounded(res.body, this.cfg.max_body_bytes);
      clock.end();
      details.body_bytes = body.bytes;
      if (body.truncated) details.body_truncated = true;

      if (!this.cfg.expect.status.includes(res.statusCode)) {
        return {
          ok: false, reason: 'http_status', phases: clock.phases, details,
          message: `got HTTP ${res.statusCode}, expected ${this.cfg.expect.status.join(' or ')}`,
        };
      }
      if (this.body && !this.body.test(body.text)) {
        return {
          ok: false, reason: 'body_mismatch', phases: clock.phases, details,
          message: `body did not match /${this.cfg.expect.body}/ (got ${JSON.stringify((this.deps.redact?.(body.text) ?? body.text).slice(0, 120))})`,
        };
      }
      return { ok: true, phases: clock.phases, details, message: `HTTP ${res.statusCode}` };
    } catch (err) {
      const phase = clock.phase;
      clock.end();
      if (signal.aborted) {
        return {
          ok: false, reason: 'timeout', phases: clock.phases, details: { ...details, phase },
          message: `timed out after ${this.cfg.timeout} in phase ${phase ?? 'connect'}`,
        };
      }
      const late = phase === 'processing' || phase === 'transfer';
      const reason = classifyNetworkError(err, late);
      return {
        ok: false, reason, phases: clock.phases, details: { ...details, phase },
        message: reason === 'timeout' ? `timed out in phase ${phase ?? 'connect'}` : rootMessage(err),
      };
    } finally {
      // destroy, not close: a server that never answers must not keep the socket open.
      await agent.destroy().catch(() => {});
    }
  }

  private async loadCa(): Promise<string | undefined> {
    const file = this.cfg.tls.ca_file;
    if (!file) return undefined;
    this.ca ??= await readFile(path.resolve(this.deps.baseDir, file), 'utf8');
    return this.ca;
  }
}

function basicAuth(url: URL): Record<string, string> {
  if (!url.username && !url.password) return {};
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

function describeTls(sock: TLSSocket): TlsDetails {
  const cert = sock.getPeerCertificate();
  const out: TlsDetails = { protocol: sock.getProtocol(), authorized: sock.authorized };
  if (cert && cert.valid_to) {
    const expiry = Date.parse(cert.valid_to);
    if (Number.isFinite(expiry)) {
      out.cert_not_after = new Date(expiry).toISOString();
      out.cert_expiry_timestamp_seconds = Math.floor(expiry / 1000);
    }
    out.cert_subject = cert.subject?.CN;
    out.cert_issuer = cert.issuer?.CN;
  }
  return out;
}

export const createHttpProbe = (cfg: HttpCheckConfig, deps: ProbeDeps): Probe => new HttpProbe(cfg, deps);
