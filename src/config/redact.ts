/**
 * Secrets in the config are gathered once: the values of keys whose names say they are
 * secret (anywhere in the config, in a command's `env` and in headers too), URL
 * passwords and secret query parameters, and the tokens in webhook and Slack URLs. The
 * Redactor then scrubs them from any string or object that leaves the process: log
 * lines, /status, printed configs, evidence, alerts, the state file. A secret is also
 * found in the forms a target may echo it in (without its `Bearer `/`Basic ` scheme,
 * base64 of `user:password`, URL- and JSON-encoded), but only as a whole value: never
 * inside a longer word, never one shorter than 8 characters, so nothing that is not a
 * secret's value is ever altered (a path like /var/log/foglet/foglet.log stays whole).
 */

export const REDACTED = '<redacted>';
const MIN_SECRET_LENGTH = 8;
/** A path segment this long in a webhook URL is taken for its token (words such as "services" or "hooks" are shorter). */
const MIN_TOKEN_SEGMENT = 16;

/** Words that make a key secret wherever they stand in its name (`X-Secret-Key`, `AWS_SECRET_ACCESS_KEY`, `dbPassword`). */
const SECRET_WORDS = /password|passwd|passphrase|secret|token|credential|cookie|signature|authorization|bearer|apikey|dsn/i;
/**
 * Short words that make a key secret as its last word (`DB_PASS`, `routing_key`, `X-Auth`),
 * not inside another word or as a qualifier (`monkey`, `author`, `auth_failure_ratio`).
 */
const SECRET_LAST_WORDS = new Set(['key', 'pass', 'pwd', 'auth', 'session', 'sig']);
/**
 * Keys whose values are public though their names carry a secret word: a host key's
 * fingerprint, paths to files, and the SSH login's `key` (the key it presses).
 */
const NOT_SECRET = /^(host_key|known_hosts|key)$|_(file|path|dir)$/i;

/** Whether a key's value is a secret, by the key's name. */
export function isSecretKey(key: string): boolean {
  if (!key || NOT_SECRET.test(key)) return false;
  if (SECRET_WORDS.test(key)) return true;
  const words = key.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
  return SECRET_LAST_WORDS.has(words.at(-1)?.toLowerCase() ?? '');
}

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    const all = new Set<string>();
    for (const s of secrets) for (const form of forms(s)) if (form.length >= MIN_SECRET_LENGTH) all.add(form);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  static fromConfig(config: unknown): Redactor {
    return new Redactor([...collectSecrets(config), ...sinkUrlSecrets(config)]);
  }

  get size(): number { return this.secrets.length; }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = replaceWhole(out, s);
    return out;
  }

  /** A deep copy with every string scrubbed. */
  redactDeep<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }
}

/** The forms a secret may come back in: as it is, JSON- and URL-encoded, base64, and without an auth scheme. */
function forms(secret: string): string[] {
  const out = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
  const scheme = /^(?:Bearer|Basic|Token|Bot|Digest)\s+(\S+)$/i.exec(secret);
  if (scheme) {
    out.push(scheme[1]!);
    // Basic: base64 of user:password; the password alone is a secret too.
    if (/^basic/i.test(secret)) {
      const decoded = Buffer.from(scheme[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && /^[\x20-\x7e]+$/.test(decoded)) out.push(decoded, decoded.slice(colon + 1));
    }
  }
  return out;
}

const WORD = /[A-Za-z0-9_-]/;
const AUTH_SCHEME = /^(?:Bearer|Basic|Token|Bot|Digest)\s+\S{8,}$/i;

/** Replaces `secret` where it stands whole: not inside a longer word (so an ordinary value is never altered). */
function replaceWhole(text: string, secret: string): string {
  let out = '';
  let from = 0;
  for (let i = text.indexOf(secret); i !== -1; i = text.indexOf(secret, i + 1)) {
    const before = text[i - 1];
    const after = text[i + secret.length];
    const edgeIn = WORD.test(secret[0]!) && before !== undefined && WORD.test(before);
    const edgeOut = WORD.test(secret[secret.length - 1]!) && after !== undefined && WORD.test(after);
    if (edgeIn || edgeOut || i < from) continue;
    out += text.slice(from, i) + REDACTED;
    from = i + secret.length;
  }
  return out + text.slice(from);
}

export function collectSecrets(value: unknown, key = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    // A credential with its scheme is one whatever the header is called (`X-Upstream: Bearer ...`).
    if (isSecretKey(key) || AUTH_SCHEME.test(value)) out.push(value);
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
  if (url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    out.push(password, url.password, `${user}:${password}`); // the last as Basic auth would send it (base64 is one of its forms)
  }
  for (const [k, v] of url.searchParams) if (isSecretKey(k) || /^(key|sig|signature|auth|access_token|code)$/i.test(k)) out.push(v);
  return out;
}

/** The config with secret values replaced by a marker, for printing. */
export function redactConfig<T>(config: T): T {
  const redactor = Redactor.fromConfig(config);
  const mark = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') return isSecretKey(key) ? REDACTED : redactor.redact(value);
    if (Array.isArray(value)) return value.map((v) => mark(v, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mark(v, k)]));
    }
    return value;
  };
  return mark(JSON.parse(JSON.stringify(config)), '') as T;
}

/**
 * A Slack or webhook URL is itself the credential (the token is in its path), so the
 * whole URL and each long path segment on its own (the token, as a careless log line
 * would print it) are secrets. Alertmanager's and PagerDuty's are not.
 */
function sinkUrlSecrets(config: unknown): string[] {
  const sinks = (config as { alerts?: { sinks?: Array<{ kind?: string; url?: unknown }> } } | undefined)?.alerts?.sinks ?? [];
  const out: string[] = [];
  for (const sink of sinks) {
    if ((sink.kind !== 'webhook' && sink.kind !== 'slack') || typeof sink.url !== 'string') continue;
    out.push(sink.url);
    try {
      const u = new URL(sink.url);
      // A token in the path is a secret as a whole segment; the path's ordinary words ("/foglet") are not.
      for (const seg of u.pathname.split('/')) if (seg.length >= MIN_TOKEN_SEGMENT) out.push(decodeURIComponent(seg), seg);
    } catch { /* not a URL: the schema says so */ }
  }
  return out;
}
