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
import { DeliveryError } from './sinks/types.js';
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
}

export interface NotifierOptions {
  sinks: Sink[];
  delivery: DeliverySettings;
  store: QueueStore;
  metrics: Metrics;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => number;
  random?: () => number;
}

export class Notifier {
  private queue: QueuedNotification[] = [];
  private readonly sinks = new Map<string, Sink>();
  private readonly busy = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lastError = new Map<string, string>();
  private running = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: NotifierOptions) {
    for (const s of opts.sinks) this.sinks.set(s.name, s);
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

  status(): Array<{ sink: string; kind: string; queued: number; oldest_queued_at: string | null; last_error: string | null }> {
    return [...this.sinks.values()].map((s) => {
      const mine = this.queue.filter((q) => q.sink === s.name);
      return {
        sink: s.name,
        kind: s.kind,
        queued: mine.length,
        oldest_queued_at: mine.length ? new Date(Math.min(...mine.map((q) => q.enqueuedAt))).toISOString() : null,
        last_error: this.lastError.get(s.name) ?? null,
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
      this.lastError.delete(q.sink);
      this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'sent' });
      this.opts.logger.info(log, 'notification sent');
    } catch (e) {
      const err = e instanceof DeliveryError ? e : new DeliveryError((e as Error).message, true);
      this.lastError.set(q.sink, err.message);
      if (!err.retryable) {
        this.drop(q);
        this.opts.logger.error({ ...log, err: err.message, status: err.status }, 'notification rejected by the sink; dropped (it will not be accepted on a retry)');
        return;
      }
      q.attempts++;
      q.lastError = err.message;
      const backoff = Math.min(this.opts.delivery.maxBackoffMs, this.opts.delivery.initialBackoffMs * 2 ** (q.attempts - 1));
      const delay = Math.min(this.opts.delivery.maxBackoffMs, Math.max(err.retryAfterMs ?? 0, backoff * (0.5 + this.random() / 2)));
      q.nextAt = this.now() + delay;
      this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'retried' });
      this.opts.logger.warn({ ...log, err: err.message, retry_in_ms: Math.round(delay) }, 'notification failed; will retry');
      this.changed();
    }
  }

  private drop(q: QueuedNotification): void {
    this.remove(q);
    this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'dropped' });
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
    for (const q of dropped) this.opts.metrics.notifications.inc({ sink: q.sink, outcome: 'dropped' });
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
      const mine = this.queue.filter((q) => q.sink === name);
      this.opts.metrics.notificationQueue.set({ sink: name }, mine.length);
      this.opts.metrics.notificationOldest.set({ sink: name }, mine.length ? (now - Math.min(...mine.map((q) => q.enqueuedAt))) / 1000 : 0);
    }
  }
}
