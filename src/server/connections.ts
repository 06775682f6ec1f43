/**
 * Keeps the monitor's HTTP server reachable, and its descriptors free, under a flood of
 * connections. Every open connection costs a descriptor, and the probes, log files, the
 * state file and the alert sinks need descriptors too: so the server holds at most `cap`
 * connections, and `cap` stays below the process's open-files limit by a reserve.
 *
 * At the cap a new connection does not simply bounce: the connection idle the longest
 * (no request in flight: a keep-alive between scrapes, or one that never finished its
 * headers) is closed to make room. Idle connections, the cheap attack, thus cannot lock
 * out /healthz or Prometheus. Nor can requests whose body trickles in: every request this
 * server serves is done in well under STALE_REQUEST_MS (a scrape, a status read, a log batch
 * on a LAN), so when none is idle, the request in flight the longest makes room once it has
 * run that long. Only when every connection is busy with a young request is the new one refused.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuard {
  /** Connections open now. */
  open(): number;
}

export interface GuardEvents {
  /** An idle connection, or one whose request ran past STALE_REQUEST_MS, was closed to admit a new one. */
  evicted(): void;
  /** A new connection was refused: every open one had a request in flight. */
  refused(): void;
  /** The number of open connections changed. */
  count(open: number): void;
  /** A connection was closed for piling up requests whose answers it does not read. */
  overPipelined?(): void;
}

/**
 * Requests one connection may have waiting for their answers (HTTP/1.1 pipelining), and
 * answer bytes it may leave unread. Node parses pipelined requests as they come and queues
 * their answers: thirty connections sending 3,000 `GET /metrics` each and reading nothing
 * kept the event loop busy for 80 s (no /healthz, probes past their timeouts) and the
 * answers took 3 GB. No scraper or browser pipelines more than a few.
 */
export const MAX_PIPELINED = 16;
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

/** A request in flight this long may be cut to admit a new connection at the cap (see above). */
export const STALE_REQUEST_MS = 5_000;

export interface GuardOptions {
  /** Milliseconds now; injected by tests. */
  now?: () => number;
  staleRequestMs?: number;
}

export function guardConnections(server: Server, cap: number, events: GuardEvents, options: GuardOptions = {}): ConnectionGuard {
  const now = options.now ?? Date.now;
  const staleMs = options.staleRequestMs ?? STALE_REQUEST_MS;
  // Idle sockets by the time they became idle; a Map keeps insertion order, so the first is the longest idle.
  const idle = new Map<Socket, number>();
  // Busy sockets: requests in flight and when the first of them began (insertion order again: oldest first).
  const inFlight = new Map<Socket, { requests: number; since: number }>();
  const open = () => idle.size + inFlight.size;

  /** The connection to close for a new one: the longest idle, else the longest busy if it is stale. */
  const victim = (): Socket | undefined => {
    const oldestIdle = idle.keys().next();
    if (!oldestIdle.done) return oldestIdle.value;
    const oldestBusy = inFlight.entries().next();
    if (!oldestBusy.done && now() - oldestBusy.value[1].since >= staleMs) return oldestBusy.value[0];
    return undefined;
  };

  server.on('connection', (socket: Socket) => {
    if (open() >= cap) {
      const old = victim();
      if (!old) {
        socket.destroy();
        events.refused();
        return;
      }
      idle.delete(old);
      inFlight.delete(old);
      old.destroy();
      events.evicted();
    }
    idle.set(socket, now());
    events.count(open());
    lingerOnClose(socket);
    socket.once('close', () => {
      idle.delete(socket);
      inFlight.delete(socket);
      events.count(open());
    });
  });

  // First of the request listeners: a connection closed here is closed before the app starts on its request.
  server.prependListener('request', (req, res) => {
    const socket = req.socket;
    if (socket.destroyed) return;
    idle.delete(socket);
    const busy = inFlight.get(socket);
    if (busy && (busy.requests >= MAX_PIPELINED || socket.writableLength > MAX_UNREAD_BYTES)) {
      socket.destroy();
      events.overPipelined?.();
      return;
    }
    if (busy) busy.requests++;
    else inFlight.set(socket, { requests: 1, since: now() });
    res.once('close', () => {
      const entry = inFlight.get(socket);
      if (!entry) return;
      if (--entry.requests > 0) return;
      inFlight.delete(socket);
      if (!socket.destroyed) idle.set(socket, now());
    });
  });

  return { open };
}

/** How long, and for how many more request bytes, a socket closed after its answer still reads before it goes. */
const LINGER_MS = 1000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Node closes a connection after a `Connection: close` answer (a 401, 403 or 413 sent while
 * the body still streams) by destroying it at once; with request bytes unread that sends a
 * reset, and a reset can make the client drop the answer it has not read yet: the log
 * shipper sees "connection reset", not "413, body too large". As nginx's lingering close,
 * the socket half-closes after the answer, reads and drops what still comes, and goes after
 * LINGER_MS. Past LINGER_BYTES it stops reading instead (TCP pushes back on the sender, whose
 * answer is waiting to be read) rather than resetting at once: a reset would discard the
 * answer still unread in the client's buffer, which a fast sender under load hits (1 in 16
 * uploads in a flood test). Either way a client costs at most LINGER_MS and LINGER_BYTES.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.destroyed) return;
    this.end();
    let read = 0;
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    const drop = (chunk: Buffer) => {
      read += chunk.length;
      if (read <= LINGER_BYTES) return;
      this.off('data', drop);
      this.pause();
    };
    this.on('data', drop);
    this.once('close', () => clearTimeout(timer));
    this.resume();
  };
}

/**
 * Descriptors kept back from the server: a base for the process itself (stdio, the event
 * loop, the thread pool, the state file) and a few per check, log source and sink (a probe's
 * socket, a file and its rotated predecessor, a command's pipes, a sink's connections).
 */
export function descriptorReserve(parts: { checks: number; sources: number; sinks: number }): number {
  return 64 + 4 * (parts.checks + parts.sources + parts.sinks);
}

/** The connection cap: max_connections, lowered when the open-files limit cannot hold it and the reserve. */
export function connectionCap(maxConnections: number, openFilesLimit: number | undefined, reserve: number): { cap: number; lowered: boolean } {
  if (openFilesLimit === undefined) return { cap: maxConnections, lowered: false };
  const room = Math.max(8, openFilesLimit - reserve);
  return room < maxConnections ? { cap: room, lowered: true } : { cap: maxConnections, lowered: false };
}

/**
 * The process's soft open-files limit (Linux: /proc/self/limits), or undefined where it
 * cannot be read. Node itself raises the soft limit to the hard one at start, so this is
 * what the process really has.
 */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * max_connections for this config and this process: lowered (and said, once) when the
 * open-files limit cannot hold it beside what probes, logs and sinks need.
 */
export function serverConnectionCap(
  config: { max_connections: number; checks: unknown[]; logs: { sources: unknown[] }; alerts: { sinks: unknown[] } },
  warn: (fields: Record<string, unknown>, message: string) => void,
): number {
  const limit = openFilesLimit();
  const reserve = descriptorReserve({ checks: config.checks.length, sources: config.logs.sources.length, sinks: config.alerts.sinks.length });
  const { cap, lowered } = connectionCap(config.max_connections, limit, reserve);
  if (lowered) {
    warn({ max_connections: config.max_connections, open_files_limit: limit, reserved: reserve, connections: cap },
      'max_connections lowered: the open-files limit must also hold the probes, log files, state and alert sinks (raise it with ulimit -n or LimitNOFILE)');
  }
  return cap;
}
