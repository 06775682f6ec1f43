/**
 * Evidence bundles: "preserve the logs" done before on-call arrives. When an alert
 * fires (a release failure among them), a directory with what was known then: the
 * alert, the matched log lines with their context, the last rendered SSH screen,
 * the recent probe timeline, and the config with its secrets redacted. Every file
 * passes through the redactor. The oldest bundles beyond `keep` are removed.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { AlertChange } from './types.js';
import type { ProbeResult } from '../checks/types.js';
import { redactConfig, type Redactor } from '../config/redact.js';
import type { Config } from '../config/schema.js';

export interface EvidenceSources {
  config: Config;
  redactor: Redactor | undefined;
  /** Recent probe results, oldest first. */
  timeline(): ProbeResult[];
}

export class EvidenceWriter {
  constructor(private readonly dir: string, private readonly keep: number, private readonly sources: () => EvidenceSources) {}

  /** Writes a bundle for a firing alert; returns its directory. */
  write(change: AlertChange): string {
    const { config, redactor, timeline } = this.sources();
    const a = change.alert;
    const stamp = change.at.replace(/[:.]/g, '-');
    const name = `${stamp}-${a.labels.alertname}-${a.fingerprint}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const bundle = path.join(this.dir, name);
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    const clean = (text: string) => (redactor ? redactor.redact(text) : text);
    const files: Record<string, string> = {
      'alert.json': JSON.stringify({ change: change.kind, at: change.at, alert: a }, null, 2),
      'timeline.json': JSON.stringify(timeline(), null, 2),
      'config.redacted.yaml': YAML.stringify(redactConfig(config)),
      'README.txt': [
        `${a.labels.alertname} ${a.state} at ${change.at}`,
        a.annotations.summary,
        '',
        'alert.json            the alert: labels, annotations, evidence',
        'log-lines.txt         the matched log lines and the lines before them (secrets redacted)',
        'screen.txt            the last rendered SSH screen',
        'timeline.json         the recent probe results, oldest first',
        'config.redacted.yaml  the monitor config in force, secrets redacted',
      ].join('\n'),
    };
    if (a.evidence?.lines?.length) files['log-lines.txt'] = a.evidence.lines.join('\n');
    const screen = a.evidence?.screen ?? [...timeline()].reverse().find((r) => typeof r.details?.screen === 'string')?.details?.screen;
    if (typeof screen === 'string') files['screen.txt'] = screen;
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(bundle, file), `${clean(text)}\n`, { mode: 0o600 });
    this.prune();
    return bundle;
  }

  private prune(): void {
    const all = readdirSync(this.dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) rmSync(path.join(this.dir, old), { recursive: true, force: true });
  }
}

/**
 * What Alerting calls when an alert fires: "preserve the logs" before anyone is paged, a
 * bundle per firing, named in the alert (annotation evidence_bundle). A bundle that cannot be
 * written is said, and the alert goes out without it.
 */
export function evidenceOnFiring(opts: {
  baseDir: string;
  sources: () => EvidenceSources;
  warn: (fields: Record<string, unknown>, message: string) => void;
}): (change: AlertChange) => void {
  return (change) => {
    const { config } = opts.sources();
    const ev = config.evidence;
    if (!ev.enabled) return;
    try {
      const dir = ev.dir ? path.resolve(opts.baseDir, ev.dir) : path.join(path.dirname(path.resolve(opts.baseDir, config.state_file)), 'evidence');
      change.alert.annotations.evidence_bundle = new EvidenceWriter(dir, ev.keep, opts.sources).write(change);
    } catch (e) {
      opts.warn({ alert: change.alert.key, err: (e as Error).message }, 'could not write the evidence bundle; the alert goes out without it');
    }
  };
}
