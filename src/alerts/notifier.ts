/**
 * Delivers alert changes to sinks through a durable queue kept in the state file.
 * Per sink, strictly in order and one at a time, so a resolve never overtakes its
 * firing; a failed delivery that may succeed later (429, 5xx, timeouts, network)
 * is retried with exponential backoff and jitter, any other is dropped with an
 * error. A sink that is down for an hour gets every change once it is back, each
 * once (the queue entry is removed only when delivered; receivers get an
 * idempotency key for the rare retry of a delivery whose answer was lost). The
 * queue is bounded and counts what it drops.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Sink } from './sinks/types.js';
import { asDeliveryError, retryDelayMs } from '../http-post.js';
import { changeId, type Alert, type AlertChange } from './types.js';

export interface QueuedNotification {
  /** `<sink>:<changeId>`: one change for one sink. */
  id: string;
  sink: string;
  change: AlertChange;
  attempts: number;
  /** ms since the epoch. */
  enqueuedAt: number;
  nextAt: number;
  lastError?: string;
}

export interface QueueStore {
  load(): QueuedNotification[] | undefined;
  save(queue: QueuedNotification[]): void;
  /** Resolves once what was saved is on disk (or could not be written). */
  persist?(): Promise<void>;
}

export interface DeliverySettings {
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxAgeMs: number;
  maxQueue: number;
  /** A sink whose deliveries have failed for this long (or that rejected one) is failing. */
  failingAfterMs: number;
}

/** One sink's deliveries since the monitor started, and whether it is failing now. */
export interface SinkStatus {
  sink: string;
  kind: string;
  queued: number;
  oldest_queued_at: string | null;
  delivered: number;
  retried: number;
  dropped: number;
  last_error: string | null;
  last_error_at: string | null;
  /** Since when every delivery has failed, while they do. */
  failing_since: string | null;
  /** Failing for longer than failing_after, or it rejected a change: alerted through the other sinks. */
  failing: boolean;
}

/** A sink became failing (with why), or delivered again. */
export type SinkHealthHandler = (sink: string, failing: boolean, why: string) => void;

/** A sink's counts in /status (the metrics count on by themselves). */
export type SinkCounts = Pick<SinkStats, 'delivered' | 'retried' | 'dropped' | 'lastError' | 'lastErrorAt'>;

interface SinkStats {
  delivered: number;
  retried: number;
  dropped: number;
  lastError?: string;
  lastErrorAt?: number;
  failingSince?: number;
  /** A change was rejected (4xx) or dropped since the last delivery: failing at once. */
  lost?: boolean;
  failing: boolean;
  /** A delivery has been told since the start (so an alert from before a restart resolves). */
  toldOk?: boolean;
}

export interface NotifierOptions {
  sinks: Sink[];
  delivery: DeliverySettings;
  store: QueueStore;
  metrics: Metrics;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Told when a sink starts or stops failing, to alert through the other sinks. */
  onSinkHealth?: SinkHealthHandler;
  /** What each sink delivered, retried and dropped before a reload: /status counts on. */
  counts?: ReadonlyMap<string, SinkCounts>;
  now?: () => number;
  random?: () => number;
}

/** The alert a failing sink raises, sent by every other sink. */
export const SINK_FAILING = 'FogletMonitorSinkFailing';

export class Notifier {
  private queue: QueuedNotification[] = [];
  private readonly sinks = new Map<string, Sink>();
  private readonly busy = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stats = new Map<string, SinkStats>();
  private running = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: NotifierOptions) {
    for (const s of opts.sinks) {
      this.sinks.set(s.name, s);
      const c = opts.counts?.get(s.name);
      this.stats.set(s.name, { delivered: c?.delivered ?? 0, retried: c?.retried ?? 0, dropped: c?.dropped ?? 0, lastError: c?.lastError, lastErrorAt: c?.lastErrorAt, failing: false });
    }
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Loads what was queued before a restart (for sinks still configured) and starts
   * delivering; `firing` are the alerts firing now, for sinks that keep them alive.
   */
  start(firing: Alert[] = []): void {
    this.running = true;
    const saved = this.opts.store.load() ?? [];
    for (const q of saved) {
      if (!q?.change?.alert) continue;
      if (!this.sinks.has(q.sink)) {
        this.opts.logger.warn({ sink: q.sink, alert: q.change.alert.key, change: q.change.kind }, 'dropped a queued notification: its sink is no longer configured');
        this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'dropped' });
        continue;
      }
      this.queue.push(q);
    }
    for (const sink of this.sinks.values()) {
      this.opts.metrics.notifications.inc({ sink: sink.name, outcome: 'sent' }, 0);
      this.opts.metrics.sinkFailing.set({ sink: sink.name }, 0);
      sink.resume?.(firing.filter((a) => sink.accepts(a)));
      sink.start?.();
    }
    this.changed();
    for (const name of this.sinks.keys()) this.pump(name);
  }

  notify(change: AlertChange): void {
    const now = this.now();
    for (const sink of this.sinks.values()) {
      if (!sink.accepts(change.alert)) continue;
      if (change.alert.labels.alertname === SINK_FAILING && change.alert.labels.sink === sink.name) continue; // it goes by the others
      const id = `${sink.name}:${changeId(change)}`;
      if (this.queue.some((q) => q.id === id)) continue;
      this.queue.push({ id, sink: sink.name, change, attempts: 0, enqueuedAt: now, nextAt: now });
    }
    this.trim();
    this.changed();
    for (const name of this.sinks.keys()) this.pump(name);
  }

  /** Stops delivering; what is still queued stays in the state file for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.inFlight);
    for (const sink of this.sinks.values()) sink.stop?.();
    this.changed();
  }

  status(): SinkStatus[] {
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    return [...this.sinks.values()].map((s) => {
      const mine = this.queue.filter((q) => q.sink === s.name);
      const st = this.stats.get(s.name)!;
      return {
        sink: s.name,
        kind: s.kind,
        queued: mine.length,
        oldest_queued_at: mine.length ? iso(Math.min(...mine.map((q) => q.enqueuedAt))) : null,
        delivered: st.delivered,
        retried: st.retried,
        dropped: st.dropped,
        last_error: st.lastError ?? null,
        last_error_at: iso(st.lastErrorAt),
        failing_since: iso(st.failingSince),
        failing: st.failing,
      };
    });
  }

  private pump(name: string): void {
    if (!this.running || this.busy.has(name)) return;
    const head = this.queue.find((q) => q.sink === name);
    if (!head) return;
    const wait = head.nextAt - this.now();
    if (wait > 0) {
      if (!this.timers.has(name)) {
        this.timers.set(name, setTimeout(() => { this.timers.delete(name); this.pump(name); }, wait));
      }
      return;
    }
    this.busy.add(name);
    const p = this.deliver(head).finally(() => {
      this.busy.delete(name);
      this.inFlight.delete(p);
      this.pump(name);
    });
    this.inFlight.add(p);
  }

  private async deliver(q: QueuedNotification): Promise<void> {
    const sink = this.sinks.get(q.sink)!;
    const log = { sink: q.sink, alert: q.change.alert.key, change: q.change.kind, change_id: changeId(q.change), attempt: q.attempts + 1 };
    if (this.now() - q.enqueuedAt > this.opts.delivery.maxAgeMs) {
      this.drop(q);
      this.opts.logger.error({ ...log, last_error: q.lastError }, 'dropped a notification: undelivered for longer than alerts.delivery.max_age');
      this.failed(q.sink, `dropped a ${q.change.kind} undelivered for longer than max_age`, true);
      return;
    }
    try {
      // Write-ahead: a change is on disk before its first send, so a crash finds it
      // queued (sent again at worst, with the same idempotency key), never lost.
      if (q.attempts === 0) await this.opts.store.persist?.();
      await sink.send(q.change);
      this.remove(q);
      // Its removal on disk soon, not at the next debounce: the window for a resend after a crash.
      void this.opts.store.persist?.();
      this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'sent' });
      this.opts.logger.info(log, 'notification sent');
      this.delivered(q.sink);
    } catch (e) {
      const err = asDeliveryError(e);
      if (!err.retryable) {
        this.drop(q);
        this.opts.logger.error({ ...log, err: err.message, status: err.status }, 'notification rejected by the sink; dropped (it will not be accepted on a retry)');
        this.failed(q.sink, `rejected a ${q.change.kind}: ${err.message}`, true);
        return;
      }
      this.failed(q.sink, err.message, false);
      this.stats.get(q.sink)!.retried++;
      q.attempts++;
      q.lastError = err.message;
      const delay = retryDelayMs(q.attempts, err, this.opts.delivery, this.random);
      q.nextAt = this.now() + delay;
      this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'retried' });
      this.opts.logger.warn({ ...log, err: err.message, retry_in_ms: Math.round(delay) }, 'notification failed; will retry');
      this.changed();
    }
  }

  private drop(q: QueuedNotification): void {
    this.remove(q);
    const st = this.stats.get(q.sink);
    if (st) st.dropped++;
    this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'dropped' });
  }

  private delivered(name: string): void {
    const st = this.stats.get(name)!;
    st.delivered++;
    st.failingSince = undefined;
    st.lost = false;
    this.setFailing(name, false, 'delivered again');
  }

  /** A failed delivery; `lost`: a change is gone (rejected or expired), so the sink is failing now. */
  private failed(name: string, message: string, lost: boolean): void {
    const st = this.stats.get(name);
    if (!st) return;
    const now = this.now();
    st.lastError = message;
    st.lastErrorAt = now;
    st.failingSince ??= now;
    if (lost) st.lost = true;
    this.checkFailing(name);
  }

  /** Failing: a change lost since the last delivery, or deliveries failing for failing_after. */
  private checkFailing(name: string): void {
    const st = this.stats.get(name)!;
    if (st.failing || st.failingSince === undefined) return;
    const long = this.now() - st.failingSince >= this.opts.delivery.failingAfterMs;
    if (st.lost || long) {
      const why = st.lost ? st.lastError ?? 'a change was lost' : `every delivery has failed since ${new Date(st.failingSince).toISOString()} (last: ${st.lastError})`;
      this.setFailing(name, true, why);
    }
  }

  private setFailing(name: string, failing: boolean, why: string): void {
    const st = this.stats.get(name)!;
    this.opts.metrics.sinkFailing.set({ sink: name }, failing ? 1 : 0);
    // The first delivery after a start is told too: an alert raised before a restart must resolve.
    if (st.failing === failing && (failing || st.toldOk)) return;
    if (!failing) st.toldOk = true;
    const changed = st.failing !== failing;
    st.failing = failing;
    if (!changed) {
      this.opts.onSinkHealth?.(name, false, why);
      return;
    }
    if (failing) this.opts.logger.error({ sink: name, err: why }, 'sink failing: its notifications are not getting through; alerting through the other sinks');
    else this.opts.logger.info({ sink: name }, 'sink delivers again');
    this.opts.onSinkHealth?.(name, failing, why);
  }

  /** Each sink's counts, for the notifier a reload builds next. */
  counts(): Map<string, SinkCounts> {
    return new Map([...this.stats].map(([name, s]) => [name, { delivered: s.delivered, retried: s.retried, dropped: s.dropped, lastError: s.lastError, lastErrorAt: s.lastErrorAt }]));
  }

  private remove(q: QueuedNotification): void {
    this.queue = this.queue.filter((x) => x !== q);
    this.changed();
  }

  /** Over max_queue: the oldest go first, counted and logged. */
  private trim(): void {
    const over = this.queue.length - this.opts.delivery.maxQueue;
    if (over <= 0) return;
    const dropped = this.queue.splice(0, over);
    for (const q of dropped) {
      this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'dropped' });
      const st = this.stats.get(q.sink);
      if (st) st.dropped++;
    }
    for (const name of new Set(dropped.map((q) => q.sink))) this.failed(name, 'the notification queue was full: the oldest changes were dropped', true);
    this.opts.logger.error({ dropped: dropped.length, max_queue: this.opts.delivery.maxQueue }, 'notification queue full; dropped the oldest');
  }

  private changed(): void {
    this.opts.store.save(this.queue);
    this.refreshGauges();
  }

  /** Queue length and oldest age per sink; the daemon calls it on its tick so the age keeps growing. */
  refreshGauges(): void {
    const now = this.now();
    for (const name of this.sinks.keys()) {
      this.checkFailing(name); // failing_after runs out between attempts too
      const mine = this.queue.filter((q) => q.sink === name);
      this.opts.metrics.notificationQueue.set({ sink: name }, mine.length);
      this.opts.metrics.notificationOldest.set({ sink: name }, mine.length ? (now - Math.min(...mine.map((q) => q.enqueuedAt))) / 1000 : 0);
    }
  }
}
