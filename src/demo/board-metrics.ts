/**
 * The fake board's own Prometheus endpoint, as Foglet's Metrics.Plug serves it
 * (foglet.md §1): in memory, so `restart()` loses every counter; counters appear
 * only after their first sample; the gauges are always there. Not part of Foglet.
 */
import type { SshBoard, SshBoardStats } from './ssh-board.js';

export const APP_FAULTS = ['restart', 'door_errors', 'sessions_full', 'memory_high', 'slow_repo', 'none'] as const;
export type AppFault = (typeof APP_FAULTS)[number];

export class BoardMetrics {
  /** Counters kept here (the board's SSH counters come from its stats), by series text. */
  private readonly counters = new Map<string, number>();
  private baseline: SshBoardStats;
  private extraSessions = 0;
  memoryBytes = 180 * 2 ** 20;

  constructor(private readonly ssh: SshBoard) {
    this.baseline = { ...ssh.stats };
  }

  inc(series: string, by = 1): void {
    this.counters.set(series, (this.counters.get(series) ?? 0) + by);
  }

  /** The node restarted: every counter starts again from nothing. */
  restart(): void {
    this.counters.clear();
    this.baseline = { ...this.ssh.stats };
  }

  fault(kind: AppFault): void {
    switch (kind) {
      case 'restart': return this.restart();
      case 'door_errors': return this.inc('foglet_door_launches_total{runtime="native",outcome="error"}', 3);
      case 'sessions_full': this.extraSessions = 480; return;
      case 'memory_high': this.memoryBytes = 950 * 2 ** 20; return;
      case 'slow_repo':
        this.inc('foglet_bbs_repo_query_duration_seconds_count{phase="queue_time"}', 100);
        this.inc('foglet_bbs_repo_query_duration_seconds_sum{phase="queue_time"}', 25);
        return;
      case 'none':
        this.extraSessions = 0;
        this.memoryBytes = 180 * 2 ** 20;
    }
  }

  render(): string {
    const s = this.ssh.stats;
    const b = this.baseline;
    const fromSsh: Array<[string, number]> = [
      ['foglet_ssh_sessions_started_total{kind="guest"}', s.channelsOpened - b.channelsOpened],
      ['foglet_ssh_auth_outcomes_total{method="password",outcome="success"}', s.loginsOk - b.loginsOk],
      ['foglet_ssh_auth_outcomes_total{method="password",outcome="failure"}', s.loginsFailed - b.loginsFailed],
      ['foglet_ssh_session_replacements_total{path="login"}', s.replacedSessions - b.replacedSessions],
    ];
    const samples = [...fromSsh, ...this.counters].filter(([, v]) => v > 0);
    const byFamily = new Map<string, string[]>();
    for (const [series, v] of samples) {
      const family = series.slice(0, series.indexOf('{')).replace(/_(sum|count)$/, '');
      byFamily.set(family, [...(byFamily.get(family) ?? []), `${series} ${v}`]);
    }
    const lines: string[] = [];
    for (const [family, rows] of byFamily) {
      lines.push(`# TYPE ${family} ${family.endsWith('_seconds') ? 'summary' : 'counter'}`, ...rows);
    }
    const active = this.ssh.activeSessions + this.extraSessions;
    lines.push(
      '# TYPE foglet_ssh_sessions_active gauge',
      `foglet_ssh_sessions_active{kind="guest"} ${active}`,
      'foglet_ssh_sessions_active{kind="authenticated"} 0',
      `foglet_ssh_sessions_active{kind="total"} ${active}`,
      '# TYPE foglet_vm_memory_bytes gauge',
      `foglet_vm_memory_bytes ${this.memoryBytes}`,
      '# TYPE foglet_vm_run_queue gauge',
      'foglet_vm_run_queue 0',
    );
    return `${lines.join('\n')}\n`;
  }
}
