/**
 * `kind: slack`: an incoming-webhook message that says in one line what broke,
 * where and since when, with the evidence (the last screen or the matched log
 * lines) in a code block.
 */
import type { SlackSinkConfig } from './schema.js';
import type { AlertChange } from '../../types.js';
import { postJson } from '../../../http-post.js';
import { FilteredSink, statusUrl, whereOf, type Sink, type SinkContext, type SinkKindDescriptor } from '../types.js';

const ICONS: Record<AlertChange['kind'], string> = { firing: ':red_circle:', repeat: ':red_circle:', update: ':large_orange_circle:', resolved: ':large_green_circle:', notice: ':white_check_mark:' };
const MAX_EVIDENCE = 2800; // Slack cuts a section's text at 3000 characters

export function slackMessage(change: AlertChange, ctx: SinkContext): Record<string, unknown> {
  const a = change.alert;
  const where = whereOf(a);
  const since = a.startsAt ?? a.activeAt;
  const what = change.kind === 'notice' ? a.annotations.summary
    : change.kind === 'resolved'
    ? `Resolved: ${a.annotations.summary} (${where}), firing since ${since}`
    : `${change.kind === 'update' ? 'Changed' : change.kind === 'repeat' ? 'Still firing' : 'Firing'} [${a.severity}]: ${a.annotations.summary} (${where}, reason ${a.annotations.reason}) since ${since}`;
  const line = `${ICONS[change.kind]} ${what}`;
  const evidence = a.evidence?.screen ?? a.evidence?.lines?.join('\n');
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: escape(line) } }];
  if (evidence && change.kind !== 'resolved' && change.kind !== 'notice') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${escape(evidence.slice(-MAX_EVIDENCE)).replaceAll('```', "'''")}\`\`\`` } });
  }
  const context = [`instance ${a.labels.instance ?? ctx.instance}`, a.annotations.runbook, statusUrl(ctx) ? `<${statusUrl(ctx)}|status>` : undefined]
    .filter(Boolean).join(' · ');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  return { text: line, blocks };
}

/** Slack's three control characters in mrkdwn. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export class SlackSink extends FilteredSink<SlackSinkConfig> implements Sink {
  readonly kind = 'slack' as const;
  async send(change: AlertChange): Promise<void> {
    await postJson(this.cfg.url, JSON.stringify(slackMessage(change, this.ctx)), {}, this.cfg.timeout.ms);
  }
}

export const slackSinkKind: SinkKindDescriptor<SlackSinkConfig> = {
  kind: 'slack',
  create: (cfg, ctx) => new SlackSink(cfg, ctx),
};
