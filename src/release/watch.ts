/**
 * The daemon's post-release watch: for `watch_for` after a `finished` mark, the
 * checklist is fed by every probe result and log signal, and the release gets a
 * verdict (healthy, degraded, failed): at once on a hard failure, else when the
 * watch ends.
 */
import type { ProbeResult } from '../checks/types.js';
import type { Signal } from '../signals.js';
import { Checklist, type ChecklistItem, type ReleaseVerdict } from './checklist.js';

export interface WatchVerdict {
  version: string;
  verdict: ReleaseVerdict;
  /** false: the watch is still running (a failure decided early). */
  final: boolean;
  items: ChecklistItem[];
}

export class ReleaseWatch {
  private readonly checklist: Checklist;
  private readonly timer: NodeJS.Timeout;
  private decided = false;

  constructor(readonly version: string, checks: Array<{ name: string; kind: string }>, watchForMs: number,
    private readonly onVerdict: (v: WatchVerdict) => void) {
    this.checklist = new Checklist(checks);
    this.timer = setTimeout(() => this.finish(), watchForMs);
    this.timer.unref();
  }

  probe(r: ProbeResult): void {
    this.checklist.probe(r);
    this.early();
  }

  log(s: Signal): void {
    this.checklist.log(s);
    this.early();
  }

  /** The verdict so far, for /status. */
  current(): { verdict: ReleaseVerdict; items: ChecklistItem[] } {
    return { verdict: this.checklist.verdict(), items: this.checklist.items() };
  }

  cancel(): void {
    clearTimeout(this.timer);
  }

  private early(): void {
    if (this.decided || !this.checklist.hardFailure) return;
    this.decided = true;
    this.onVerdict({ version: this.version, verdict: 'failed', final: false, items: this.checklist.items() });
  }

  private finish(): void {
    this.onVerdict({ version: this.version, verdict: this.checklist.verdict(), final: true, items: this.checklist.items() });
  }
}
