/**
 * Release marks announced where people look: a PagerDuty change event (the
 * incident timeline shows what was deployed) and a Grafana annotation (the
 * dashboards show when). Best effort with a few retries: a mark must never hold up
 * a deploy, and a failed announcement is logged, not fatal.
 */
import { postJson, sendWithRetry } from '../http-post.js';
import type { Config } from '../config/schema.js';
import type { Release } from './marks.js';

const ATTEMPTS = 4;
const TIMEOUT_MS = 10_000;

export interface AnnounceDeps {
  instance: string;
  warn(obj: object, msg: string): void;
  /** Backoff between attempts, for tests. */
  backoffMs?: number;
}

export async function announceRelease(cfg: Config['releases']['announce'], r: Release, deps: AnnounceDeps): Promise<void> {
  const at = r.status === 'finished' ? r.finishedAt : r.status === 'failed' ? r.failedAt : r.startedAt;
  const summary = `Foglet release ${r.version} ${r.status} (${deps.instance})`;
  const jobs: Array<[string, () => Promise<void>]> = [];
  if (cfg.pagerduty) {
    const pd = cfg.pagerduty;
    jobs.push(['pagerduty', () => postJson(pd.url, JSON.stringify({
      routing_key: pd.routing_key,
      payload: { summary, timestamp: at, source: deps.instance, custom_details: { version: r.version, status: r.status } },
    }), {}, TIMEOUT_MS)]);
  }
  if (cfg.grafana) {
    const g = cfg.grafana;
    jobs.push(['grafana', () => postJson(`${g.url.replace(/\/$/, '')}/api/annotations`, JSON.stringify({
      time: Date.parse(at ?? r.startedAt),
      tags: [...g.tags, r.status, `version:${r.version}`],
      text: summary,
    }), { authorization: `Bearer ${g.token}` }, TIMEOUT_MS)]);
  }
  const policy = { attempts: ATTEMPTS, initialBackoffMs: deps.backoffMs ?? 1000, maxBackoffMs: 30_000 };
  await Promise.all(jobs.map(async ([to, send]) => {
    await sendWithRetry(send, policy).catch((e: Error) =>
      deps.warn({ to, release: r.version, status: r.status, err: e.message }, 'could not announce the release mark'));
  }));
}
