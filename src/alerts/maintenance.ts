/**
 * Scheduled maintenance windows (`alerts.maintenance` in the config), as Gatus and Uptime Kuma
 * users know them: a cron schedule or a single start, a duration, and matchers. While a window
 * is open the alerts it matches are silenced exactly as by a silence from the API (state kept
 * and shown, nothing sent; a resolve for a page sent before the window still goes out). /status
 * and the status page show each window's current or next opening, so it is seen before it starts.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { checkName, cronSchedule, duration } from '../schema/fields.js';
import { formatMatcher, matches, parseMatcher, type Matcher } from './silences.js';

function matcherProblem(text: string): string | undefined {
  try { parseMatcher(text); return undefined; } catch (e) { return (e as Error).message; }
}

function timezoneProblem(tz: string): string | undefined {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return undefined; } catch { return `expected an IANA time zone such as "UTC" or "Europe/Berlin", got ${JSON.stringify(tz)}`; }
}

export const maintenanceWindowSchema = z.strictObject({
  name: checkName,
  /** When each window opens: a cron schedule (5 fields, or 6 with seconds first), read in `timezone`. */
  schedule: cronSchedule.optional(),
  /** Or a single window opening at this time (ISO 8601 with an offset). */
  start: z.iso.datetime({ offset: true, error: 'expected a time such as "2026-12-05T02:00:00Z"' }).optional(),
  duration: duration({ min: '1m', max: '30d' }),
  timezone: z.string().default('UTC').superRefine((tz, ctx) => {
    const problem = timezoneProblem(tz);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** As amtool writes them (`check=ssh-login`, `alertname=~"Foglet.*"`); none matches every alert. */
  matchers: z.array(z.string().superRefine((m, ctx) => {
    const problem = matcherProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })).max(32).default([]),
  comment: z.string().max(1024).default(''),
}).superRefine((w, ctx) => {
  if ((w.schedule === undefined) === (w.start === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'expected either schedule (a cron schedule) or start (one time), not both or neither' });
  } else if (w.schedule !== undefined && !timezoneProblem(w.timezone)) {
    // A schedule that never comes round (30 February) is a mistake to name now, not a window that never opens.
    try { CronExpressionParser.parse(w.schedule, { tz: w.timezone }).next(); } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: `the schedule ${JSON.stringify(w.schedule)} never comes round: ${(e as Error).message}` });
    }
  }
});

export type MaintenanceWindowConfig = z.output<typeof maintenanceWindowSchema>;

export interface MaintenanceStatus {
  name: string;
  /** open now, scheduled (its next opening), or over (a single window that has passed). */
  state: 'open' | 'scheduled' | 'over';
  starts_at: string;
  ends_at: string;
  /** The schedule as configured, or null for a single window. */
  schedule: string | null;
  matchers: string[];
  comment: string;
}

interface Opening { start: number; end: number; computedAt: number }

class MaintenanceWindow {
  private readonly matchers: Matcher[];
  private cached: Opening | undefined;

  constructor(readonly config: MaintenanceWindowConfig) {
    this.matchers = config.matchers.map(parseMatcher);
  }

  /**
   * The opening that holds `now`, or the next one. For a schedule: the first opening after
   * now - duration (any later opening that had begun by now would also hold it). Cached until it ends.
   */
  opening(now: number): Opening {
    const c = this.cached;
    if (c && now >= c.computedAt && now < c.end) return c;
    const ms = this.config.duration.ms;
    let start: number;
    if (this.config.start !== undefined) start = Date.parse(this.config.start);
    else {
      const next = CronExpressionParser.parse(this.config.schedule!, { currentDate: new Date(now - ms), tz: this.config.timezone }).next();
      start = next.getTime();
    }
    this.cached = { start, end: start + ms, computedAt: now };
    return this.cached;
  }

  covers(labels: Record<string, string>, now: number): boolean {
    const o = this.opening(now);
    return o.start <= now && now < o.end && this.matchers.every((m) => matches(m, labels));
  }

  status(now: number): MaintenanceStatus {
    const o = this.opening(now);
    const state = now < o.start ? 'scheduled' : now < o.end ? 'open' : 'over';
    return {
      name: this.config.name, state, starts_at: new Date(o.start).toISOString(), ends_at: new Date(o.end).toISOString(),
      schedule: this.config.schedule ?? null, matchers: this.matchers.map(formatMatcher), comment: this.config.comment,
    };
  }
}

export class MaintenanceWindows {
  private readonly windows: MaintenanceWindow[];

  constructor(configs: readonly MaintenanceWindowConfig[]) {
    this.windows = configs.map((c) => new MaintenanceWindow(c));
  }

  /** The name of an open window that matches these labels, if any. */
  covering(labels: Record<string, string>, now: number): string | undefined {
    return this.windows.find((w) => w.covers(labels, now))?.config.name;
  }

  /** Each window's current or next opening; a single window that is over is listed for a day after. */
  status(now: number): MaintenanceStatus[] {
    return this.windows.map((w) => w.status(now)).filter((s) => s.state !== 'over' || now - Date.parse(s.ends_at) < 24 * 3600_000);
  }

  /** Whether each window is open now, for the metric. */
  openNow(now: number): Array<{ name: string; open: boolean }> {
    return this.windows.map((w) => ({ name: w.config.name, open: w.status(now).state === 'open' }));
  }
}
