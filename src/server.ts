/** The monitor's HTTP server: it only registers the feature plugins under src/server/. */
import { parseHostPort } from './schema/host-port.js';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from './log.js';
import type { StatusDocument } from './status.js';
import type { Metrics } from './metrics.js';
import { healthRoutes, type Readiness } from './server/health.js';
import { logsRoutes, type LogIngest } from './server/logs.js';
import { metricsRoutes } from './server/metrics.js';
import { silenceRoutes } from './server/silences.js';
import { releaseRoutes } from './server/releases.js';
import type { ReleaseTracker } from './release/marks.js';
import type { Silences } from './alerts/silences.js';
import { statusRoutes } from './server/status.js';
import { probeRoutes } from './server/probe.js';
import type { OnDemandProbes } from './checks/on-demand.js';
import { statusPageRoutes } from './server/status-page.js';
import { guardConnections, MAX_PIPELINED } from './server/connections.js';

export interface ServerDeps {
  logger: Logger;
  metrics: () => Metrics;
  readiness: () => Readiness;
  status: () => StatusDocument;
  logIngest: () => LogIngest | undefined;
  silences: () => Silences | undefined;
  releases: () => ReleaseTracker | undefined;
  /** /probe's runs (off unless probe_endpoint.enabled). */
  probes: () => OnDemandProbes;
  apiToken: () => string | undefined;
  /** Writes the state file now; throws naming why it could not. A write API answers only after it. */
  persist: () => Promise<void>;
  /** Open connections at most: max_connections, or lower when the open-files limit needs it (see server/connections.ts). */
  maxConnections: number;
}

/** A request's headers must arrive within this, and the whole request within REQUEST_TIMEOUT_MS: a trickle holds nothing for long. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'server' }) as FastifyBaseLogger,
    // Prometheus scrapes every few seconds: one log line per request would drown the real ones.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  // At the cap the longest-idle connection makes room; a new one is refused only when all are busy.
  // Both are counted, and said at most once a minute (a flood would otherwise flood the log too).
  const saidAt = new Map<string, number>();
  const atCap = (what: string) => {
    if (Date.now() - (saidAt.get(what) ?? 0) < 60_000) return;
    saidAt.set(what, Date.now());
    deps.logger.warn({ max_connections: deps.maxConnections }, what);
  };
  guardConnections(app.server, deps.maxConnections, {
    evicted: () => { deps.metrics().httpConnectionsEvicted.inc(); atCap('HTTP server at max_connections: closing the longest-idle connections'); },
    refused: () => { deps.metrics().httpConnectionsRefused.inc(); atCap('HTTP server at max_connections: every connection is busy, refusing new ones'); },
    count: (open) => deps.metrics().httpConnectionsOpen.set(open),
    overPipelined: () => { deps.metrics().httpConnectionsEvicted.inc(); atCap(`HTTP server: closing connections that pipeline more than ${MAX_PIPELINED} requests without reading the answers`); },
  });
  // Requests already parsed from a connection that has since been closed (pipelined past the
  // limit, evicted): nobody will read their answers, so none is made (a /metrics or /status
  // each, thousands of them, kept the event loop from everything else).
  app.addHook('onRequest', async (req, reply) => {
    if (req.raw.socket.destroyed) return reply.hijack();
    // No route for this method and path: answered before the body, which is never read (a slow
    // POST to /status held its connection for the whole request timeout, and enough of them
    // held every slot). Connection: close, so the body that may follow goes with the socket.
    if (req.routeOptions.url === undefined) return reply.code(404).header('connection', 'close').send({ error: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  // An error answered before the request's body was read (a 404, a 415, a 401) closes the
  // connection: otherwise Node reads the rest of the body to keep the connection alive, and an
  // endless upload to any path was read to its end (1.7 GB in 30 s on one connection). The
  // close lingers a moment (server/connections.ts) so that the client still reads its answer.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && !req.raw.complete && hasBody(req.raw.headers)) void reply.header('connection', 'close');
    return payload;
  });
  // One error shape for every route: `{ error }`, as the API's own 4xx answers; a 5xx says no more than that.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: err.message, url: req.url }, 'request failed');
    if (status === 413) void reply.header('connection', 'close'); // the rest of the body is not read
    return reply.code(status).send({ error: status < 500 ? err.message : 'internal error' });
  });
  await app.register(healthRoutes, { readiness: deps.readiness });
  await app.register(metricsRoutes, { metrics: deps.metrics });
  await app.register(probeRoutes, { probes: deps.probes });
  await app.register(statusRoutes, { status: deps.status });
  await app.register(statusPageRoutes, { status: deps.status });
  await app.register(logsRoutes, { ingest: deps.logIngest });
  await app.register(silenceRoutes, { silences: deps.silences, token: deps.apiToken, persist: deps.persist });
  await app.register(releaseRoutes, { releases: deps.releases, token: deps.apiToken, persist: deps.persist });
  return app;
}

/** Where the server listens, as "host:port" (or "[v6]:port"); undefined before it does. */
export function boundAddress(server: FastifyInstance | undefined): string | undefined {
  const a = server?.server.address() as AddressInfo | null | undefined;
  if (!a) return undefined;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Splits "host:port" (or "[v6]:port") for fastify's listen. */
export function parseListen(listen: string): { host: string; port: number } {
  const hp = parseHostPort(listen);
  if (hp?.port === undefined) throw new Error(`expected HOST:PORT such as "127.0.0.1:9477", got ${JSON.stringify(listen)}`);
  return { host: hp.host, port: hp.port };
}

function hasBody(headers: import('node:http').IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}
