/**
 * `/`: the status page (read-only; its buttons call the token-guarded /api), and
 * `/status-page.js`, its refresh and actions. Built from the same redacted document
 * as /status, so nothing the JSON hides can show here.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { StatusDocument } from '../status.js';
import { PAGE_SCRIPT, renderMain, renderPage, type StatusDoc } from '../status-page/render.js';

// No inline script, no other origin: the page only talks to this monitor.
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const statusPageRoutes: FastifyPluginAsync<{ status: () => StatusDocument }> = async (app, opts) => {
  app.get<{ Querystring: { part?: string; refresh?: string } }>('/', async (req, reply) => {
    // ?refresh=N (1 to 300 seconds, default 10): a wall screen may want it slower.
    const refresh = Math.min(300, Math.max(1, Math.round(Number(req.query.refresh) || 10)));
    // The page reads a part of the document: checked against it here, not cast.
    const doc: StatusDoc = opts.status();
    reply.header('cache-control', 'no-store').header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8');
    return req.query.part === 'main' ? renderMain(doc) : renderPage(doc, refresh);
  });
  app.get('/status-page.js', async (_req, reply) =>
    reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(PAGE_SCRIPT));
};
