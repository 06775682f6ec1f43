/**
 * The status page's only script, served as /status-page.js under the page's CSP (script-src
 * 'self'): it refreshes the page's main part, shows times in the reader's clock, and, with a
 * token kept in sessionStorage (never in the page), silences or expires from the page.
 * A browser script, checked by tsc with the DOM's types (its own tsconfig.json beside it).
 */
'use strict';
(() => {
  const TOKEN_KEY = 'foglet-monitor-token';
  const refresh = Number(document.body.dataset.refresh || 10) * 1000;
  const main = document.getElementById('main');
  const result = document.getElementById('act-result');
  const tokenForm = document.getElementById('token-form');
  const forget = document.getElementById('forget');
  if (!main || !result || !(tokenForm instanceof HTMLFormElement) || !forget) return;
  const token = () => sessionStorage.getItem(TOKEN_KEY);
  const showActions = () => document.body.classList.toggle('can-act', Boolean(token()));
  // Times come as UTC; the reader wants their own clock: absolute times are rewritten, relative ones get it on hover.
  function localTimes(): void {
    for (const t of main!.querySelectorAll('time[datetime]')) {
      const d = new Date(t.getAttribute('datetime') ?? '');
      if (Number.isNaN(d.getTime())) continue;
      (t as HTMLElement).title = d.toLocaleString();
      if (t.classList.contains('at')) t.textContent = d.toLocaleString();
    }
  }
  async function reload(): Promise<void> {
    try {
      const res = await fetch('/?part=main', { cache: 'no-store' });
      if (res.ok) { main!.innerHTML = await res.text(); localTimes(); document.body.dataset.refreshedAt = String(Date.now()); }
    } catch { /* the monitor restarting: try again at the next tick */ }
  }
  localTimes();
  setInterval(reload, refresh);
  tokenForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = tokenForm.elements.namedItem('token');
    if (!(input instanceof HTMLInputElement)) return;
    const value = input.value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    input.value = '';
    showActions();
  });
  forget.addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); showActions(); });
  main.addEventListener('click', async (ev) => {
    const b = ev.target instanceof Element ? ev.target.closest<HTMLButtonElement>('button.act') : null;
    const bearer = token();
    if (!b || !bearer) return;
    const auth = { authorization: 'Bearer ' + bearer };
    let res: Response;
    if (b.dataset.action === 'expire') {
      res = await fetch('/api/silences/' + encodeURIComponent(b.dataset.id ?? ''), { method: 'DELETE', headers: auth });
    } else {
      const now = new Date();
      res = await fetch('/api/silences', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({
        matchers: JSON.parse(b.dataset.matchers ?? '[]'), startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + 3600e3).toISOString(), comment: 'from the status page', createdBy: 'status page' }) });
    }
    result.textContent = res.ok ? 'Done.' : 'Refused: HTTP ' + res.status + (res.status === 401 ? ' (wrong token?)' : '');
    await reload();
  });
  showActions();
})();
