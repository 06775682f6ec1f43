import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CheckHistory, historyPath } from '../../src/checks/history.js';
import { renderMain, type StatusDoc } from '../../src/status-page/render.js';
import { launchChromium } from '../helpers/browser.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { fetchStatus } from '../helpers/status.js';

const PASSWORD = 'status-page-probe-password';
const HOOK_TOKEN = 'hooktoken-1f2e3d4c5b6a';
const HMAC = 'hmac-secret-9a8b7c6d';
const API_TOKEN = 'api-token-0123456789abcdef';
const SECRETS = [PASSWORD, HOOK_TOKEN, HMAC, API_TOKEN];

describe('the status page in a real browser', () => {
  let stack: Stack;
  let chromium: { browser: Browser; close(): Promise<void> };
  before(async () => {
    stack = await startStack(({ board, receiver, dir }) => {
      board.ssh.accounts.set('probe', PASSWORD);
      // A day of history for `up`, kept as the monitor keeps it: one run a minute, the hour from 3h to 2h ago failing.
      const seed = new CheckHistory();
      const now = Date.now();
      for (let t = now - 24 * 3600_000 + 60_000; t <= now; t += 60_000) {
        const failing = t >= now - 3 * 3600_000 && t < now - 2 * 3600_000;
        seed.record({ check: 'up', kind: 'http', target: '', started_at: new Date(t).toISOString(), duration_seconds: failing ? 2 : 0.05, ok: !failing,
          ...(failing ? { reason: 'http_status' as const } : {}), phases: {} });
      }
      writeFileSync(historyPath(path.join(dir, 'state.json')), JSON.stringify(seed.save()));
      const ssh = board.ssh.address;
      return {
        instance: 'page-test',
        checks: [
          { name: 'up', kind: 'http', url: `${board.httpUrl}/up`, schedule: '* * * * * *', timeout: '2s' },
          { name: 'broken', kind: 'http', url: `${board.httpUrl}/nope`, schedule: '* * * * * *', timeout: '2s', failure_threshold: 1 },
          {
            name: 'ssh-login', kind: 'ssh', host: ssh.host, port: ssh.port, schedule: '*/2 * * * * *', timeout: '5s', host_key: 'any',
            expect_screen: 'Foglet BBS ▸ Home', quit_keys: 'q', login: { handle: 'probe', password: PASSWORD },
          },
        ],
        logs: { rule_packs: [] },
        alerts: { sinks: [{ name: 'hook', kind: 'webhook', url: `${receiver.url}/hook?token=${HOOK_TOKEN}`, secret: HMAC }] },
        api: { token: API_TOKEN },
      };
    });
    chromium = await launchChromium();
    await waitFor(async () => {
      const s = (await fetchStatus(stack.base));
      return s.checks.every((c) => c.runs > 0) && s.alerting?.alerts.some((a) => a.state === 'firing');
    }, 'every check to run and the broken one to fire', 8000);
    const silence = await stack.api('/api/silences', {
      matchers: [{ name: 'check', value: 'nothing-yet', isRegex: false }],
      startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: 'planned work', createdBy: 'test',
    }, API_TOKEN);
    assert.equal(silence.status, 200);
  });
  after(async () => {
    await chromium?.close();
    await stack?.stop();
  });

  test('on a phone: every check, alert and silence shows, nothing overflows, no secret in the page', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
    try {
      const res = await page.goto(`${stack.base}/`);
      assert.equal(res?.status(), 200);
      assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      for (const name of ['up', 'broken', 'ssh-login']) {
        assert.equal(await page.locator(`[data-check="${name}"]`).count(), 1, name);
        assert.ok(await page.locator(`[data-check="${name}"] strong`).isVisible(), `${name} is visible`);
      }
      assert.match(await page.locator('[data-check="broken"]').getAttribute('class') ?? '', /failing/);
      assert.match(await page.locator('[data-check="up"] .phases').innerText(), /connect/);
      const status = (await fetchStatus(stack.base));
      const active = status.alerting!.alerts.filter((a) => a.state !== 'resolved');
      assert.ok(active.length >= 1);
      for (const a of active) {
        const card = page.locator(`[data-fingerprint="${a.fingerprint}"]`);
        assert.equal(await card.count(), 1);
        assert.equal(await card.locator('.summary').innerText(), a.annotations.summary);
      }
      assert.match(await page.locator('[data-silence]').innerText(), /planned work/);
      assert.match(await page.locator('#overall').innerText(), /1 check\(s\) failing/);

      const overflow = await page.evaluate('document.scrollingElement.scrollWidth - window.innerWidth') as number;
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      const html = await page.content();
      const fragment = await (await fetch(`${stack.base}/?part=main`)).text();
      for (const secret of SECRETS) {
        assert.ok(!html.includes(secret), `the page shows ${secret}`);
        assert.ok(!fragment.includes(secret), `the fragment shows ${secret}`);
      }
      assert.equal(await page.locator('button.act').first().isVisible(), false, 'read-only without a token');
    } finally {
      await page.close();
    }
  });

  test('history on a phone: the day as a bar with the failed hour where it was, uptime, a sparkline; nothing overflows', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
    try {
      await page.goto(`${stack.base}/`);
      const card = page.locator('[data-check="up"]');
      assert.equal(await card.locator('svg.bar rect').count(), 96);
      const classes = await card.locator('svg.bar rect').evaluateAll((rects) => rects.map((r) => r.getAttribute('class')));
      const failed = classes.map((c, k) => (c === 'fail' ? k : -1)).filter((k) => k >= 0);
      assert.ok(failed.length >= 4 && failed.length <= 5 && failed[0]! >= 83 && failed.at(-1)! <= 88, `failed slices ${failed}`);
      assert.ok(classes.slice(0, 80).every((c) => c === 'ok'), 'the rest of the day passed');
      assert.match(await card.locator('svg.bar rect.fail title').first().textContent() ?? '', /^\d\d:\d\d–\d\d:\d\d UTC: (?:\d+ passed, )?\d+ failed \(http_status\)$/);
      assert.match(await card.locator('.uptime').innerText(), /^up 9[56]\.\d\d% \(24 h\) · 9[56]\.\d\d% \(7 d\)$/);
      assert.ok(await card.locator('svg.spark polyline.total').count() >= 1);
      const box = await card.locator('svg.bar').boundingBox();
      assert.ok(box && box.width > 250 && box.width <= 390, `the bar is ${box?.width}px wide`);
      const overflow = await page.evaluate('document.scrollingElement.scrollWidth - window.innerWidth') as number;
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await page.screenshot({ path: process.env.STATUS_PAGE_SCREENSHOT ?? path.join(stack.dir, 'status-page.png'), fullPage: false });
    } finally {
      await page.close();
    }
  });

  test('it refreshes in place: a check that breaks shows as failing without a page load', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(`${stack.base}/?refresh=1`);
      await page.evaluate('window.stayed = true');
      assert.match(await page.locator('[data-check="up"]').getAttribute('class') ?? '', /\bok\b/);
      stack.board.httpFault = 'status_500';
      await page.waitForSelector('[data-check="up"].failing', { timeout: 8000 });
      assert.equal(await page.evaluate('window.stayed'), true, 'no full reload');
      stack.board.httpFault = 'none';
      await page.waitForSelector('[data-check="up"].ok', { timeout: 8000 });
    } finally {
      await page.close();
    }
  });

  test('with the API token it silences an alert and expires a silence; a wrong token is refused', async () => {
    const page = await chromium.browser.newPage();
    try {
      await page.goto(`${stack.base}/?refresh=1`);
      await page.locator('#token summary').click();
      await page.fill('#token-form input[name=token]', 'not-the-token-at-all');
      await page.click('#token-form button[type=submit]');
      await page.locator('[data-silence] button.act').click();
      await page.locator('#act-result', { hasText: '401' }).waitFor({ timeout: 8000 });
      assert.equal(await page.locator('[data-silence]').count(), 1, 'nothing changed');

      await page.fill('#token-form input[name=token]', API_TOKEN);
      await page.click('#token-form button[type=submit]');
      await page.locator('[data-silence] button.act').click();
      await page.locator('[data-silence]').waitFor({ state: 'detached', timeout: 8000 });

      await page.locator('.alert.firing button.act').first().click();
      await page.waitForSelector('.alert .badge.silenced', { timeout: 8000 });
      const silences = (await (await fetch(`${stack.base}/api/silences`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()) as Array<{ createdBy: string; status: { state: string } }>;
      assert.ok(silences.some((s) => s.createdBy === 'status page' && s.status.state === 'active'));
      assert.ok(!(await page.content()).includes(API_TOKEN), 'the token is not written into the page');
    } finally {
      await page.close();
    }
  });
});

type Check = StatusDoc['checks'][number];
type AlertDoc = NonNullable<StatusDoc['alerting']>['alerts'][number];

/** A /status document as the daemon builds it, empty but for what a test gives. */
function statusDoc(over: Partial<StatusDoc>): StatusDoc {
  return {
    instance: 'x', version: '1', started_at: new Date().toISOString(), config_file: null, ready: true,
    checks: [], logs: null, alerting: { sinks: [], silences: [], maintenance: [], alerts: [] }, release: null, ...over,
  };
}

function check(over: Partial<Check> & Pick<Check, 'name' | 'kind' | 'state'>): Check {
  return { target: null, schedule: '*/15 * * * * *', timeout: '10s', consecutive_failures: 0, runs: 1, skipped_runs: 0, last_result: null, history: null, ...over };
}

function alert(over: Partial<AlertDoc>): AlertDoc {
  return {
    fingerprint: 'f', key: 'k', labels: {}, annotations: { summary: 's', reason: 'r' }, severity: 'critical', category: 'http',
    state: 'firing', activeAt: new Date().toISOString(), seq: 1, silenced: false, timeline: [], ...over,
  };
}

test('the page escapes what it shows: a hostile summary or check name is text, not markup', () => {
  const html = renderMain(statusDoc({
    checks: [check({ name: '<img src=x onerror=alert(1)>', kind: 'http', target: 'http://a/"><script>', state: 'failing', consecutive_failures: 1,
      last_result: { check: 'x', kind: 'http', target: 'http://a/', ok: false, reason: 'http_status', message: '</div><script>alert(2)</script>',
        started_at: new Date().toISOString(), duration_seconds: 0.1, phases: { connect: 0.01 } } })],
    alerting: { sinks: [], silences: [], maintenance: [], alerts: [alert({ fingerprint: 'f"1', labels: { a: '"><b>' }, annotations: { summary: '<script>alert(3)</script>', reason: 'r' } })] },
  }));
  assert.ok(!/<script|<img/i.test(html) && !html.includes('"><b>'), html);
  assert.match(html, /&lt;script&gt;alert\(3\)&lt;\/script&gt;/);
});

test('a slow check shows as degraded with why, and the page says all pass but one is slow', () => {
  const now = new Date().toISOString();
  const html = renderMain(statusDoc({
    checks: [check({ name: 'ssh-guest', kind: 'ssh', target: 'board:22', state: 'degraded', runs: 3,
      last_result: { check: 'ssh-guest', kind: 'ssh', target: 'board:22', ok: true, started_at: now, duration_seconds: 1.6, phases: { screen: 1.5 },
        degraded: { reason: 'slow', message: 'slow: its screen phase took 1.50s (degraded_after.screen 1s)' } } })],
  }));
  assert.match(html, /<section class="overall degraded"[^>]*>\s*<strong>All checks pass, 1 slow<\/strong>/);
  assert.match(html, /class="card check degraded"/);
  assert.match(html, /<span class="badge degraded">degraded<\/span>/);
  assert.match(html, /passed, <b>slow<\/b>,/);
  assert.match(html, /its screen phase took 1\.50s \(degraded_after\.screen 1s\)/);
});

test('while a deploy window is open the page states its rule in one sentence', () => {
  const now = new Date().toISOString();
  const doc = (until: string | null) => renderMain(statusDoc({
    release: { current: { version: 'v2', status: 'finished', startedAt: now, finishedAt: now }, deploy_window_until: until, watching: null },
  }));
  assert.match(doc(new Date(Date.now() + 60_000).toISOString()), /holds back what one planned restart causes.*a restart loop, a crash after the second boot, a failed migration, a missing secret and a changed host key page at once/);
  assert.doesNotMatch(doc(null), /holds back/);
});

test('a resolved alert stays on the page for its hour with its timeline folded; resolved alerts are not counted as active', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  const timeline = [
    { at: '2026-12-01T09:40:00.000Z', event: 'pending' as const }, { at: '2026-12-01T09:40:15.000Z', event: 'firing' as const },
    { at: '2026-12-01T09:50:00.000Z', event: 'resolved' as const },
  ];
  const html = renderMain(statusDoc({
    alerting: { sinks: [], silences: [], maintenance: [], alerts: [alert({ state: 'resolved', key: 'check:ssh-login', endsAt: '2026-12-01T09:50:00.000Z', timeline })] },
  }), now);
  assert.match(html, /<h2>Alerts <span class="count">0<\/span>/);
  assert.match(html, /<h2>Resolved <span class="count">1<\/span>[\s\S]*check:ssh-login · resolved <time[^>]*>10m ago<\/time>/);
  assert.match(html, /<details class="timeline"><summary>timeline \(3\)<\/summary><ol class="timeline"><li class="pending">pending [\s\S]*<li class="resolved">resolved /);
});
