/**
 * The status page at `/`: the same redacted document as /status, as HTML a person
 * reads on a phone at 3 a.m. Server-rendered, no build step; `renderMain` is the
 * part the page's script fetches again to refresh without a full reload.
 */

import { readFileSync } from 'node:fs';
import type { StatusDocument } from '../status.js';

/** The page reads the /status document itself: one type, no copy of it here. */
export type StatusDoc = StatusDocument;
type CheckDoc = StatusDoc['checks'][number];
type Alerting = NonNullable<StatusDoc['alerting']>;
type AlertDoc = Alerting['alerts'][number];
type SilenceDoc = Alerting['silences'][number];
type MaintenanceDoc = Alerting['maintenance'][number];
export type SinkDoc = Alerting['sinks'][number];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** "12s ago", "3m ago": times relative to when the page was rendered, with the ISO time on hover. */
function ago(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const text = s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : s < 86400 ? `${Math.floor(s / 3600)}h ago` : `${Math.floor(s / 86400)}d ago`;
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${text}</time>`;
}

/** An absolute time: ISO in the page, turned into the viewer's local time by the page's script. */
function at(iso: string): string {
  return `<time class="at" datetime="${esc(iso)}" title="${esc(iso)}">${esc(iso.replace('T', ' ').slice(0, 19))} UTC</time>`;
}

const ms = (seconds: number | undefined) => (seconds === undefined ? '' : seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`);

function badge(state: string): string {
  return `<span class="badge ${esc(state)}">${esc(state)}</span>`;
}

function renderCheck(c: CheckDoc, now: number): string {
  const r = c.last_result;
  const phases = r ? Object.entries(r.phases).filter(([, v]) => v !== undefined) : [];
  return `<li class="card check ${esc(c.state)}" data-check="${esc(c.name)}">
  <div class="row"><strong>${esc(c.name)}</strong> ${badge(c.state)}<span class="muted">${esc(c.kind)}</span></div>
  <div class="muted target">${esc(c.target ?? '')}</div>
  ${r ? `<div>${!r.ok ? `<b>${esc(r.reason ?? 'failed')}</b>` : r.degraded ? 'passed, <b>slow</b>,' : 'passed'} ${ago(r.started_at, now)} in ${ms(r.duration_seconds)}${r.from_previous_run ? ' <span class="muted">(before the monitor restarted)</span>' : ''}</div>
  ${r.message ? `<div class="message">${esc(r.message)}</div>` : ''}
  ${r.ok && r.degraded ? `<div class="message">${esc(r.degraded.message)}</div>` : ''}
  ${phases.length ? `<dl class="phases">${phases.map(([p, v]) => `<div><dt>${esc(p)}</dt><dd>${ms(v)}</dd></div>`).join('')}</dl>` : ''}` : '<div class="muted">not run yet</div>'}
  ${c.consecutive_failures > 0 ? `<div class="muted">${c.consecutive_failures} failure(s) in a row, ${c.runs} run(s)</div>` : ''}
  ${renderHistory(c)}
</li>`;
}

const pct = (x: number | null) => (x === null ? 'no runs' : `${(Math.floor(x * 10000) / 100).toFixed(2)}%`);

/**
 * The last 24 hours as a bar of 15-minute slices (red: a run failed, amber: slow, green: passed,
 * grey: no run), each with its times and counts on hover or a long tap; uptime over 24 h and 7 d;
 * and the mean run time as a sparkline (the SSH screen phase dashed beside it). Plain SVG: no
 * asset, no script, nothing the page's CSP has to allow.
 */
function renderHistory(c: CheckDoc): string {
  const h = c.history;
  if (!h) return '';
  const n = h.slices.length;
  const hhmm = (iso: string) => iso.slice(11, 16);
  const bar = h.slices.map((x, k) => {
    const outcome = x.fail > 0 ? 'fail' : x.slow > 0 ? 'slow' : x.ok > 0 ? 'ok' : 'none';
    const end = k + 1 < n ? h.slices[k + 1]!.start : new Date(Date.parse(x.start) + 15 * 60_000).toISOString();
    const what = outcome === 'none' ? 'no runs' : [x.ok ? `${x.ok} passed` : '', x.slow ? `${x.slow} slow` : '', x.fail ? `${x.fail} failed${x.reason ? ` (${x.reason})` : ''}` : ''].filter(Boolean).join(', ');
    return `<rect class="${outcome}" x="${k}" width=".8" height="10"><title>${hhmm(x.start)}–${hhmm(end)} UTC: ${esc(what)}</title></rect>`;
  }).join('');
  const spark = (values: Array<number | null>, cls: string) => {
    const max = Math.max(1, ...values.map((v) => v ?? 0));
    const runs: string[] = [];
    let current: string[] = [];
    values.forEach((v, k) => {
      if (v === null) { if (current.length) runs.push(current.join(' ')); current = []; return; }
      current.push(`${k + 0.4},${(20 - (v / max) * 18).toFixed(1)}`);
    });
    if (current.length) runs.push(current.join(' '));
    return runs.map((pts) => `<polyline class="${cls}" points="${pts}"/>`).join('');
  };
  const means = h.slices.map((x) => x.mean_ms);
  const screens = h.slices.map((x) => x.screen_ms);
  const peak = Math.max(0, ...means.map((v) => v ?? 0));
  return `<div class="hist" data-uptime-24h="${h.uptime_24h ?? ''}">
  <div class="row muted"><span>24 h</span><span class="uptime">up ${pct(h.uptime_24h)} (24 h) · ${pct(h.uptime_7d)} (7 d)</span></div>
  <svg class="bar" viewBox="0 0 ${n} 10" preserveAspectRatio="none" role="img" aria-label="results over the last 24 hours">${bar}</svg>
  ${peak > 0 ? `<svg class="spark" viewBox="0 0 ${n} 20" preserveAspectRatio="none" role="img" aria-label="mean run time over the last 24 hours, up to ${Math.round(peak)} ms">${spark(means, 'total')}${screens.some((v) => v !== null) ? spark(screens, 'screen') : ''}</svg>
  <div class="muted">run time, up to ${Math.round(peak)} ms${screens.some((v) => v !== null) ? ' (dashed: the login screen)' : ''}</div>` : ''}
</div>`;
}

function renderAlert(a: AlertDoc, now: number): string {
  // Every label but release: a silence that outlives the release still matches.
  const matchers = Object.entries(a.labels).filter(([k]) => k !== 'release').map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  const state = a.held_cleared ? badge('held, cleared') : a.held_until ? badge('held') : badge(a.state);
  const held = a.held_cleared
    ? ` · held by the deploy window, over ${ago(a.endsAt, now)}: not sent`
    : a.held_until ? ` · held by the deploy window until ${at(a.held_until)}: fires then if it still holds` : '';
  return `<li class="card alert ${esc(a.severity)} ${esc(a.state)}" data-fingerprint="${esc(a.fingerprint)}">
  <div class="row">${state} ${badge(a.severity)}${a.silenced ? ' <span class="badge silenced">silenced</span>' : ''}<span class="muted">${esc(a.category)}</span></div>
  <div class="summary">${esc(a.annotations.summary)}</div>
  <div class="muted">${esc(a.key)} · since ${ago(a.startsAt ?? a.activeAt, now)}${held}</div>
  ${a.timeline.length ? `<ol class="timeline">${a.timeline.map((e) => `<li class="${esc(e.event.replace(/ /g, '-'))}">${esc(e.event)} ${at(e.at)}</li>`).join('')}</ol>` : ''}
  <button class="act" data-action="silence" data-matchers="${esc(JSON.stringify(matchers))}">Silence 1h</button>
</li>`;
}

function renderSilence(s: SilenceDoc, now: number): string {
  const m = s.matchers.map((x) => `${x.name}${x.isEqual === false ? '!' : ''}${x.isRegex ? '=~' : '='}"${x.value}"`).join(', ');
  return `<li class="card silence" data-silence="${esc(s.id)}">
  <div class="row">${badge(s.status.state)}<code>${esc(m)}</code></div>
  <div class="muted">${esc(s.comment)} · ${esc(s.createdBy)} · ends <time datetime="${esc(s.endsAt)}" title="${esc(s.endsAt)}">${relFuture(s.endsAt, now)}</time></div>
  <button class="act" data-action="expire" data-id="${esc(s.id)}">Expire</button>
</li>`;
}

function relFuture(iso: string, now: number): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 0) return 'ended';
  return s < 3600 ? `in ${Math.ceil(s / 60)}m` : s < 2 * 86400 ? `in ${Math.round(s / 360) / 10}h` : `in ${Math.round(s / 8640) / 10}d`;
}

/** A maintenance window from the config: open now, or when it opens next (seen before it starts). */
function renderMaintenance(w: MaintenanceDoc, now: number): string {
  const when = w.state === 'open'
    ? `open since ${at(w.starts_at)}, ends <time datetime="${esc(w.ends_at)}" title="${esc(w.ends_at)}">${relFuture(w.ends_at, now)}</time>`
    : w.state === 'scheduled'
      ? `opens <time datetime="${esc(w.starts_at)}" title="${esc(w.starts_at)}">${relFuture(w.starts_at, now)}</time>, ${at(w.starts_at)} to ${at(w.ends_at)}`
      : `over ${ago(w.ends_at, now)}`;
  return `<li class="card maintenance ${esc(w.state)}" data-window="${esc(w.name)}">
  <div class="row">${badge(w.state)} <strong>${esc(w.name)}</strong> <code>${esc(w.matchers.length ? w.matchers.join(', ') : 'every alert')}</code></div>
  <div class="muted">${when}${w.schedule ? ` · repeats <code>${esc(w.schedule)}</code> (${esc(w.timezone)})` : ''}${w.comment ? ` · ${esc(w.comment)}` : ''}</div>
</li>`;
}

/** A resolved alert, kept a while: what happened to it, with its timeline folded. */
function renderResolved(a: AlertDoc, now: number): string {
  return `<li class="card alert resolved" data-fingerprint="${esc(a.fingerprint)}">
  <div class="row">${badge('resolved')} ${badge(a.severity)}<span class="muted">${esc(a.category)}</span></div>
  <div class="summary">${esc(a.annotations.summary)}</div>
  <div class="muted">${esc(a.key)} · resolved ${ago(a.endsAt, now)}</div>
  ${a.timeline.length ? `<details class="timeline"><summary>timeline (${a.timeline.length})</summary><ol class="timeline">${a.timeline.map((e) => `<li class="${esc(e.event.replace(/ /g, '-'))}">${esc(e.event)} ${at(e.at)}</li>`).join('')}</ol></details>` : ''}
</li>`;
}

function renderRelease(rel: StatusDoc['release'], now: number): string {
  if (!rel?.current) return '<p class="muted">No release marked yet.</p>';
  const c = rel.current;
  const verdict = rel.watching ? `watching: ${rel.watching.verdict}` : c.verdict?.verdict ?? 'no verdict';
  const items = rel.watching?.items ?? c.verdict?.items ?? [];
  return `<div class="card release">
  <div class="row"><strong>${esc(c.version)}</strong> ${badge(c.status)} ${badge(verdict.replace('watching: ', ''))}<span class="muted">${esc(verdict)}</span></div>
  <div class="muted">started ${ago(c.startedAt, now)}${c.finishedAt ? `, finished ${ago(c.finishedAt, now)}` : ''}${rel.deploy_window_until ? ` · deploy window open until ${at(rel.deploy_window_until)}` : ''}</div>
  ${rel.deploy_window_until ? `<div class="muted window-rule">${WINDOW_RULE}</div>` : ''}
  ${items.length ? `<ul class="items">${items.map((i) => `<li>${badge(i.verdict)} ${esc(i.id)}</li>`).join('')}</ul>` : ''}
</div>`;
}

/** The deploy window's rule in one sentence, as docs/releases.md states it: what the on-call reads while one is open. */
const WINDOW_RULE = 'The deploy window holds back what one planned restart causes (a crash before the second boot, a brief /up or SSH outage), '
  + 'and looks at it again when it closes; a restart loop, a crash after the second boot, a failed migration, a missing secret and a changed host key page at once.';

/** The refreshable part of the page. */
export function renderMain(doc: StatusDoc, now = Date.now()): string {
  const alerts = (doc.alerting?.alerts ?? []).filter((a) => a.state !== 'resolved' || a.held_cleared);
  const silences = doc.alerting?.silences ?? [];
  const maintenance = doc.alerting?.maintenance ?? [];
  const resolved = (doc.alerting?.alerts ?? []).filter((a) => a.state === 'resolved' && !a.held_cleared);
  const failing = doc.checks.filter((c) => c.state === 'failing').length;
  const slow = doc.checks.filter((c) => c.state === 'degraded').length;
  const firing = alerts.filter((a) => a.state === 'firing' && !a.silenced).length;
  const overall = failing > 0 || firing > 0 ? 'failing' : slow > 0 ? 'degraded' : 'ok';
  const sources = doc.logs?.sources ?? [];
  const sinks = doc.alerting?.sinks ?? [];
  return `<section class="overall ${overall}" id="overall">
  <strong>${overall === 'failing' ? `${failing} check(s) failing, ${firing} alert(s) firing` : `All checks pass${slow > 0 ? `, ${slow} slow` : ''}`}</strong>
  <span class="muted">updated ${ago(new Date(now).toISOString(), now)} · ${esc(doc.instance)} · monitor ${esc(doc.version)}${doc.ready ? '' : ' · <b>not ready</b>'}</span>
</section>
<section><h2>Release</h2>${renderRelease(doc.release, now)}</section>
<section><h2>Alerts <span class="count">${alerts.length}</span></h2>
${alerts.length ? `<ul class="cards">${alerts.map((a) => renderAlert(a, now)).join('\n')}</ul>` : '<p class="muted">No active alerts.</p>'}</section>
<section><h2>Checks <span class="count">${doc.checks.length}</span></h2>
<ul class="cards">${doc.checks.map((c) => renderCheck(c, now)).join('\n')}</ul></section>
<section><h2>Silences <span class="count">${silences.length}</span></h2>
${silences.length ? `<ul class="cards">${silences.map((s) => renderSilence(s, now)).join('\n')}</ul>` : '<p class="muted">No silences.</p>'}</section>
${maintenance.length ? `<section><h2>Scheduled maintenance <span class="count">${maintenance.length}</span></h2>
<ul class="cards">${maintenance.map((w) => renderMaintenance(w, now)).join('\n')}</ul></section>` : ''}
${resolved.length ? `<section><h2>Resolved <span class="count">${resolved.length}</span></h2>
<ul class="cards">${resolved.map((a) => renderResolved(a, now)).join('\n')}</ul></section>` : ''}
${sources.length ? `<section><h2>Log sources</h2><ul class="plain">${sources.map((s) => `<li>${badge(s.up ? 'up' : 'down')} ${esc(s.name)} <span class="muted">${s.lines} lines, ${s.matches} matches</span></li>`).join('')}</ul></section>` : ''}
${sinks.length ? `<section><h2>Sinks</h2><ul class="plain">${sinks.map(renderSink).join('')}</ul></section>` : ''}`;
}

/** One line per sink: a failing one says so first, with its last error; each says what it delivered, retried and lost. */
function renderSink(s: SinkDoc): string {
  const state = s.failing ? badge('failing') : s.queued > 0 ? badge('waiting') : badge('ok');
  const counts = [`${s.delivered ?? 0} delivered`, `${s.retried ?? 0} retried`, `${s.dropped ?? 0} dropped`, ...(s.queued > 0 ? [`${s.queued} queued`] : [])];
  return `<li>${state} ${esc(s.sink)}${s.kind ? ` <span class="muted">${esc(s.kind)}</span>` : ''} <span class="muted">${counts.join(', ')}</span>${s.last_error && (s.failing || s.queued > 0) ? ` <span class="muted">(${esc(s.last_error)})</span>` : ''}</li>`;
}

const STYLE = `
:root{color-scheme:light dark;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#6e7781;--card:rgba(127,127,127,.08)}
*{box-sizing:border-box}body{font:15px/1.4 system-ui,-apple-system,sans-serif;margin:0 auto;max-width:60rem;padding:.75rem}
h1{font-size:1.2rem;margin:.2rem 0}h2{font-size:1rem;margin:1.2rem 0 .4rem}
.muted{color:var(--muted);font-size:.85em}.count{color:var(--muted);font-weight:normal}
ul.cards{list-style:none;padding:0;margin:0;display:grid;gap:.5rem;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr))}
ul.plain,ul.items{list-style:none;padding:0;margin:.3rem 0}
.card{background:var(--card);border-radius:.5rem;padding:.6rem;border-left:4px solid var(--muted);overflow-wrap:anywhere;min-width:0}
.check.ok{border-color:var(--ok)}.check.failing,.alert.critical{border-color:var(--bad)}.check.degraded,.alert.warning{border-color:var(--warn)}
.row{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}
.badge{font-size:.75em;padding:.05rem .4rem;border-radius:1rem;background:var(--muted);color:#fff}
.badge.ok,.badge.healthy,.badge.up,.badge.passed,.badge.active.silence{background:var(--ok)}
.badge.failing,.badge.firing,.badge.critical,.badge.failed,.badge.down{background:var(--bad)}
.badge.pending,.badge.held,.badge.warning,.badge.degraded,.badge.silenced,.badge.waiting,.badge.open{background:var(--warn)}
.badge.scheduled{background:#4a6fa5}.maintenance.open{border-color:var(--warn)}.alert.resolved{border-color:var(--ok)}
.message{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap}
dl.phases{display:flex;flex-wrap:wrap;gap:.2rem .8rem;margin:.3rem 0 0;font-size:.85em}dl.phases div{display:flex;gap:.25rem}dt{color:var(--muted)}dd{margin:0}
.overall{padding:.6rem;border-radius:.5rem;color:#fff;display:flex;flex-direction:column}.overall.ok{background:var(--ok)}.overall.degraded{background:var(--warn)}.overall.failing{background:var(--bad)}.overall .muted{color:#eee}
button.act{display:none;margin-top:.4rem}body.can-act button.act{display:inline-block}
details{margin-top:1.5rem}input{font:inherit;max-width:100%}code{overflow-wrap:anywhere}
.hist{margin-top:.4rem}.hist svg{display:block;width:100%}.hist svg.bar{height:14px}.hist svg.spark{height:28px;margin-top:.2rem}
rect.ok{fill:var(--ok)}rect.slow{fill:var(--warn)}rect.fail{fill:var(--bad)}rect.none{fill:var(--muted);opacity:.25}
polyline{fill:none;stroke-width:1.5;vector-effect:non-scaling-stroke}polyline.total{stroke:currentColor}polyline.screen{stroke:var(--warn);stroke-dasharray:3 2}
.hist .row{justify-content:space-between}
ol.timeline{list-style:none;padding:0;margin:.3rem 0 0;display:flex;flex-wrap:wrap;gap:.1rem .5rem;font-size:.8em;color:var(--muted)}
ol.timeline li+li::before{content:"→ "}ol.timeline li.firing{color:var(--bad)}ol.timeline li.resolved{color:var(--ok)}
`;

/** The whole page; the script refreshes `main` from `/?part=main` every `refreshSeconds`. */
export function renderPage(doc: StatusDoc, refreshSeconds = 10, now = Date.now()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>foglet-monitor · ${esc(doc.instance)}</title>
<style>${STYLE}</style>
<noscript><meta http-equiv="refresh" content="${refreshSeconds}"></noscript>
</head><body data-refresh="${refreshSeconds}">
<header><h1>Foglet · ${esc(doc.instance)}</h1></header>
<main id="main">${renderMain(doc, now)}</main>
<details id="token"><summary>Act on alerts (API token)</summary>
<p class="muted">The page is read-only. With the monitor's <code>api.token</code> (kept in this tab only) it can silence an alert for an hour and expire silences.</p>
<form id="token-form"><input type="password" name="token" autocomplete="off" placeholder="api.token"> <button type="submit">Use</button> <button type="button" id="forget">Forget</button></form>
<p id="act-result" class="muted" role="status"></p>
</details>
<footer class="muted"><a href="/status">/status</a> (JSON) · <a href="/metrics">/metrics</a></footer>
<script src="/status-page.js" defer></script>
</body></html>`;
}

/** Refresh and the token actions: served as a file so the page's CSP needs no inline script. */
/** The page's script, compiled from browser/page.ts (tsc, with the DOM's types) and read once. */
export const PAGE_SCRIPT = readFileSync(new URL('./browser/page.js', import.meta.url), 'utf8');
