/** The monitor's /status document, read over HTTP and typed as the daemon builds it. */
import type { StatusDocument } from '../../src/status.js';

/** A running daemon's document: its log, alerting and release parts are there (asserted, not assumed). */
export type LiveStatus = StatusDocument & {
  logs: NonNullable<StatusDocument['logs']>;
  alerting: NonNullable<StatusDocument['alerting']>;
  release: NonNullable<StatusDocument['release']>;
};

export async function fetchStatus(base: string): Promise<LiveStatus> {
  const res = await fetch(`${base}/status`);
  if (!res.ok) throw new Error(`GET ${base}/status answered ${res.status}`);
  const doc = (await res.json()) as StatusDocument;
  for (const part of ['logs', 'alerting', 'release'] as const) {
    if (doc[part] === null) throw new Error(`/status has no ${part} part: ${JSON.stringify(doc).slice(0, 300)}`);
  }
  return doc as LiveStatus;
}
