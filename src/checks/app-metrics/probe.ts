/**
 * `kind: app_metrics`: scrapes Foglet's own /metrics (private port 9091) and judges
 * it with FogletMetricsAnalyser. The probe passes when the scrape worked and looks
 * like Foglet's; what the numbers say (a restart, sessions near the cap, ...) goes
 * out as findings in the result's details, each its own signal (appMetricsSignals).
 */
import { Agent } from 'undici';
import type { AppMetricsCheckConfig } from './schema.js';
import type { Signal } from '../../signals.js';
import { readBounded } from '../body.js';
import { classifyNetworkError, rootMessage } from '../errors.js';
import { FogletMetricsAnalyser, parseScrape, type Finding } from './foglet-metrics.js';
import { PhaseClock, type Probe, type ProbeContext, type ProbeDeps, type ProbeDetails, type ProbeOutcome, type ProbeResult } from '../types.js';
import { USER_AGENT } from '../../version.js';

type AppMetricsPhase = 'scrape' | 'parse';

export class AppMetricsProbe implements Probe {
  readonly kind = 'app_metrics';
  readonly target: string;
  private readonly analyser: FogletMetricsAnalyser;

  constructor(private readonly cfg: AppMetricsCheckConfig, deps: ProbeDeps) {
    const shown = new URL(cfg.url);
    shown.username = '';
    shown.password = '';
    this.target = shown.toString();
    let memory = deps.scrapeMemory?.get(cfg.name);
    if (!memory) {
      memory = { restarts: [] };
      deps.scrapeMemory?.set(cfg.name, memory);
    }
    this.analyser = new FogletMetricsAnalyser(cfg.thresholds, memory);
  }

  async run({ signal }: ProbeContext): Promise<ProbeOutcome> {
    const clock = new PhaseClock<AppMetricsPhase>('scrape');
    const agent = new Agent({ connections: 1, headersTimeout: this.cfg.timeout.ms, bodyTimeout: this.cfg.timeout.ms });
    const details: ProbeDetails = {};
    try {
      const url = new URL(this.cfg.url);
      const res = await agent.request({
        origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', signal,
        headers: { 'user-agent': USER_AGENT, accept: 'text/plain;version=0.0.4', ...this.cfg.headers },
      });
      details.status_code = res.statusCode;
      const body = await readBounded(res.body, this.cfg.max_body_bytes);
      details.body_bytes = body.bytes;
      if (res.statusCode !== 200) {
        clock.end();
        return { ok: false, reason: 'http_status', phases: clock.phases, details, message: `got HTTP ${res.statusCode} from the metrics endpoint, expected 200` };
      }
      if (body.truncated) {
        clock.end();
        return { ok: false, reason: 'protocol_error', phases: clock.phases, details, message: `the scrape is larger than max_body_bytes (${this.cfg.max_body_bytes})` };
      }
      clock.start('parse');
      const scrape = parseScrape(body.text, Date.now());
      details.series = scrape.series.size;
      if (![...scrape.series.values()].some((s) => s.name.startsWith('foglet_'))) {
        clock.end();
        return { ok: false, reason: 'protocol_error', phases: clock.phases, details, message: 'the scrape has no foglet_* metric: is this Foglet\'s metrics port?' };
      }
      const analysis = this.analyser.analyse(scrape);
      clock.end();
      details.restarted = analysis.restarted;
      details.findings = analysis.findings;
      const bad = analysis.findings.filter((f) => !f.ok).map((f) => f.id);
      return {
        ok: true, phases: clock.phases, details,
        message: `${scrape.series.size} series${analysis.restarted ? '; counters reset: Foglet restarted' : ''}${bad.length ? `; over threshold: ${bad.join(', ')}` : ''}`,
      };
    } catch (err) {
      const phase = clock.phase;
      clock.end();
      if (signal.aborted) return { ok: false, reason: 'timeout', phases: clock.phases, details, message: `timed out after ${this.cfg.timeout} in phase ${phase}` };
      if (phase === 'parse') return { ok: false, reason: 'protocol_error', phases: clock.phases, details, message: `cannot parse the scrape: ${(err as Error).message}` };
      const reason = classifyNetworkError(err, details.status_code !== undefined);
      return { ok: false, reason, phases: clock.phases, details, message: rootMessage(err) };
    } finally {
      await agent.destroy().catch(() => {});
    }
  }
}

export const createAppMetricsProbe = (cfg: AppMetricsCheckConfig, deps: ProbeDeps): Probe => new AppMetricsProbe(cfg, deps);

/**
 * Each judged finding of a scrape as its own signal, `check:<name>:<finding>`. A
 * restart loop is category restart_loop (as the log rule's); the rest are app_metrics.
 */
export function appMetricsSignals(r: ProbeResult, check: AppMetricsCheckConfig, active: string[] = []): Signal[] {
  const findings = r.details?.findings ?? [];
  // A finding is a condition: one that was raised and is not judged in this scrape (its metric
  // gone, no data since the last scrape) no longer holds. Only a scrape that worked says so.
  const gone: Finding[] = !r.ok ? [] : active
    .map((key) => key.slice(`check:${r.check}:`.length))
    .filter((id) => !findings.some((f) => f.id === id))
    .map((id) => ({ id: id as Finding['id'], ok: true, value: 0, threshold: 0, summary: `${id}: no longer seen in the scrape` }));
  return [...findings, ...gone].map((f) => {
    const loop = f.id === 'restart_loop';
    return {
      source: 'probe',
      key: `check:${r.check}:${f.id}`,
      ok: f.ok,
      severity: loop ? check.thresholds.restart_loop.severity : check.finding_severity,
      category: loop ? 'restart_loop' : 'app_metrics',
      reason: f.id,
      summary: `${r.check}: ${f.summary}`,
      labels: { check: r.check, target: r.target, finding: f.id },
      ...(f.ok ? {} : { evidence: { value: f.value, threshold: f.threshold } }),
      at: r.started_at,
    } satisfies Signal;
  });
}
