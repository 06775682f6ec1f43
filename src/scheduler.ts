/**
 * Runs each check on its node-cron schedule (seconds field allowed). A check never
 * overlaps itself: a tick that finds the previous run still going is skipped and
 * counted. Every check also runs once at start, so /status is filled at once. At most
 * `maxConcurrent` probes run at a time; the others wait their turn in order (a hundred
 * SSH logins due at the same second would otherwise all hold their buffers, keys and
 * terminals at once, and knock on the board's rate limit together).
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { CheckConfig } from './config/schema.js';
import { runProbe } from './checks/runner.js';
import type { Probe, ProbeResult } from './checks/types.js';

export interface ScheduledCheck {
  config: CheckConfig;
  probe: Probe;
}

export interface SchedulerHooks {
  onResult(result: ProbeResult): void;
  onSkip(check: string): void;
}

export class Scheduler {
  private tasks: ScheduledTask[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  /** When each check's run in flight began, and when its next cron tick is due. */
  private readonly runStartedAt = new Map<string, number>();
  private readonly nextDue = new Map<string, number>();
  private readonly stopping = new AbortController();
  private started = false;
  private readonly slots: Slots;

  constructor(private readonly checks: ScheduledCheck[], private readonly hooks: SchedulerHooks, maxConcurrent = Infinity) {
    this.slots = new Slots(maxConcurrent);
  }

  get running(): boolean { return this.started && !this.stopping.signal.aborted; }

  /** Runs that are due and wait for a slot (max_concurrent_probes). */
  get waiting(): number { return this.slots.waiting; }

  start(opts: { runAtStart?: boolean } = {}): void {
    if (this.started) return;
    this.started = true;
    for (const check of this.checks) {
      const task = cron.createTask(check.config.schedule, () => { this.tick(check); this.noteNext(check.config.name, task); }, { name: check.config.name });
      void task.start();
      this.tasks.push(task);
      this.noteNext(check.config.name, task);
      if (opts.runAtStart !== false && this.tick(check)) this.atStart.add(check.config.name);
    }
  }

  /** Checks whose run in flight is the one at start: the first tick it overlaps is that run, not one skipped. */
  private readonly atStart = new Set<string>();

  private noteNext(name: string, task: ScheduledTask): void {
    const next = task.getNextRun();
    if (next) this.nextDue.set(name, next.getTime());
  }

  /**
   * Why the schedule is not keeping up, if it is not: a tick due more than a minute ago that
   * never came (the timers stopped), or a run going far past its timeout (a probe that hangs).
   */
  stalled(now = Date.now()): string | undefined {
    if (!this.running) return undefined;
    for (const check of this.checks) {
      const name = check.config.name;
      const due = this.nextDue.get(name);
      if (due !== undefined && now - due > 60_000) return `check ${name}: its run due ${Math.round((now - due) / 1000)}s ago has not started`;
      const began = this.runStartedAt.get(name);
      const limit = check.config.jitter.ms + 2 * check.config.timeout.ms + 60_000;
      if (began !== undefined && now - began > limit) return `check ${name}: its run has gone ${Math.round((now - began) / 1000)}s, past its timeout`;
    }
    return undefined;
  }

  /** Starts a run unless one is going; returns the run (for tests and one-shot use). */
  tick(check: ScheduledCheck): Promise<void> | undefined {
    if (this.stopping.signal.aborted) return undefined;
    const name = check.config.name;
    if (this.inFlight.has(name)) {
      // The run at start is this tick's, come early: said as a skip it was a warning at every start.
      if (!this.atStart.delete(name)) this.hooks.onSkip(name);
      return undefined;
    }
    this.runStartedAt.set(name, Date.now());
    const run = this.runOne(check).finally(() => { this.inFlight.delete(name); this.runStartedAt.delete(name); this.atStart.delete(name); });
    this.inFlight.set(name, run);
    return run;
  }

  private async runOne(check: ScheduledCheck): Promise<void> {
    const jitter = check.config.jitter.ms;
    if (jitter > 0 && !(await sleep(Math.random() * jitter, this.stopping.signal))) return;
    if (!(await this.slots.acquire())) return;
    try {
      // The probe's timeout starts now, with its slot: waiting is not the board's fault.
      const result = await runProbe(check.config, check.probe);
      this.hooks.onResult(result);
    } finally {
      this.slots.release();
    }
  }

  /** Runs `fn` (an on-demand probe) within the same cap as the scheduled runs; undefined once stopping. */
  async withSlot<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (!(await this.slots.acquire())) return undefined;
    try {
      return await fn();
    } finally {
      this.slots.release();
    }
  }

  /** Stops scheduling and waits for the runs in flight, which end by their own timeouts. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.slots.close();
    for (const task of this.tasks) {
      await task.stop();
      await task.destroy();
    }
    this.tasks = [];
    await Promise.allSettled([...this.inFlight.values()]);
    await Promise.allSettled(this.checks.map((c) => c.probe.close?.()));
  }
}

/** Resolves true after `ms`, or false at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms);
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A counting semaphore, first come first served; `close` turns every waiter away. */
class Slots {
  private busy = 0;
  private closed = false;
  private readonly queue: Array<(ok: boolean) => void> = [];

  constructor(private readonly max: number) {}

  get waiting(): number { return this.queue.length; }

  /** Resolves true with a slot, or false once closed. */
  acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.busy < this.max) {
      this.busy++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next(true); // the slot passes on: busy stays the same
    else this.busy--;
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter(false);
  }
}
