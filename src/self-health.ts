/**
 * What the monitor says about itself: its readiness (/readyz) and the health that the heartbeat
 * and the Alertmanager watchdog vouch for. While it starts, reloads or stops on purpose it is
 * "settling", and the heartbeat says nothing rather than something untrue.
 */
import type { MonitorHealth } from './alerts/sinks/types.js';
import type { Readiness } from './server/health.js';

export type Settling = 'starting' | 'reloading' | 'stopping';

/** The part of the check runs that health looks at. */
export interface ScheduleState {
  readonly running: boolean;
  stalled(): string | undefined;
}

export class SelfHealth {
  private settling: Settling | undefined = 'starting';
  private stopping = false;
  /** Set when a failed reload could not restart the running config either. */
  broken: string | undefined;
  /** The state file's last write went through. */
  stateWritable = true;

  constructor(private readonly schedule: ScheduleState) {}

  started(): void {
    this.settling = undefined;
  }

  /** Marks the monitor stopping for good; false when it already was. */
  stop(): boolean {
    if (this.stopping) return false;
    this.stopping = true;
    this.settling = 'stopping';
    return true;
  }

  /** Runs a reload's work as settling, unless a stop began meanwhile. */
  async reloading<T>(work: () => Promise<T>): Promise<T> {
    this.settling = 'reloading';
    try {
      return await work();
    } finally {
      if (this.settling === 'reloading') this.settling = undefined;
    }
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    if (this.stopping) reasons.push('stopping');
    if (!this.schedule.running) reasons.push('scheduler not running');
    if (this.broken) reasons.push(`reload failed: ${this.broken}`);
    return { ready: reasons.length === 0, reasons };
  }

  /** Ready, probes keeping time, state writable. */
  health(): MonitorHealth {
    if (this.settling) return { ok: false, settling: true, reasons: [this.settling] };
    const reasons = this.readiness().reasons;
    const stalled = this.schedule.stalled();
    if (stalled) reasons.push(stalled);
    if (!this.stateWritable) reasons.push('the state file cannot be written');
    return { ok: reasons.length === 0, reasons };
  }
}
