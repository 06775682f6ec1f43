/**
 * Secrets in the config (values under secret-named keys, URL passwords and secret
 * query parameters) are gathered once; the Redactor then scrubs them from any string
 * or object that leaves the process: log lines, /status, printed configs, alerts.
 */
import { SECRET_KEY } from './schema.js';

export const REDACTED = '<redacted>';
const MIN_SECRET_LENGTH = 4;
/** A path segment this long in a webhook URL is taken for its token (words such as "services" or "hooks" are shorter). */
const MIN_TOKEN_SEGMENT = 16;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      all.add(s);
      // The same secret as it appears inside JSON text or a URL.
      all.add(JSON.stringify(s).slice(1, -1));
      all.add(encodeURIComponent(s));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  static fromConfig(config: unknown): Redactor {
    return new Redactor([...collectSecrets(config), ...sinkUrlSecrets(config)]);
  }

  get size(): number { return this.secrets.length; }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** A deep copy with every string scrubbed. */
  redactDeep<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }
}

export function collectSecrets(value: unknown, key = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) out.push(value);
    out.push(...urlSecrets(value));
  } else if (Array.isArray(value)) {
    for (const v of value) collectSecrets(v, key, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, k, out);
  }
  return out;
}

function urlSecrets(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return [];
  let url: URL;
  try { url = new URL(text); } catch { return []; }
  const out: string[] = [];
  if (url.password) out.push(decodeURIComponent(url.password), url.password);
  for (const [k, v] of url.searchParams) if (SECRET_KEY.test(k) || /^(key|sig|signature|auth)$/i.test(k)) out.push(v);
  return out;
}

/** The config with secret values replaced by a marker, for printing. */
export function redactConfig<T>(config: T): T {
  const redactor = Redactor.fromConfig(config);
  const mark = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') return SECRET_KEY.test(key) ? REDACTED : redactor.redact(value);
    if (Array.isArray(value)) return value.map((v) => mark(v, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mark(v, k)]));
    }
    return value;
  };
  return mark(JSON.parse(JSON.stringify(config)), '') as T;
}

/**
 * A Slack or webhook URL is itself the credential (the token is in its path), so
 * the whole URL, its path, and each long path segment on its own (the token, as a
 * careless log line would print it) are secrets. Alertmanager's and PagerDuty's are not.
 */
function sinkUrlSecrets(config: unknown): string[] {
  const sinks = (config as { alerts?: { sinks?: Array<{ kind?: string; url?: unknown }> } } | undefined)?.alerts?.sinks ?? [];
  const out: string[] = [];
  for (const sink of sinks) {
    if ((sink.kind !== 'webhook' && sink.kind !== 'slack') || typeof sink.url !== 'string') continue;
    out.push(sink.url);
    try {
      const u = new URL(sink.url);
      if (u.pathname.length > 1) out.push(u.pathname + u.search);
      for (const seg of u.pathname.split('/')) if (seg.length >= MIN_TOKEN_SEGMENT) out.push(decodeURIComponent(seg), seg);
    } catch { /* not a URL: the schema says so */ }
  }
  return out;
}
