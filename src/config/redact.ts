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
 * A secret split by a line break (a terminal wrapping an echoed password) is found too.
 */

import { SINK_CREDENTIAL_URLS } from '../alerts/sinks/schemas.js';
import { credentialLike } from './credential-like.js';

export const REDACTED = '<redacted>';
const MIN_SECRET_LENGTH = 8;
/** A value that looks like a token is at least this long (words such as "services" or "hooks" are shorter). */
const MIN_TOKEN_LENGTH = 16;

/** Words that make a key secret wherever they stand in its name (`X-Secret-Key`, `AWS_SECRET_ACCESS_KEY`, `dbPassword`). */
const SECRET_WORDS = /password|passwd|passphrase|secret|token|credential|cookie|signature|authori[sz]ation|authenticat|bearer|apikey|dsn/i;
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
    return LINE_BREAK.test(out) ? this.redactAcrossBreaks(out) : out;
  }

  /**
   * A terminal wraps an echoed password at its width: the secret comes back with a line
   * break (raw, or escaped inside JSON) between two of its characters. Found by removing
   * the breaks first, so text without a split secret costs one pass.
   */
  private redactAcrossBreaks(text: string): string {
    const joined = text.replace(LINE_BREAKS, '');
    let out = text;
    for (const s of this.secrets) {
      if (!joined.includes(s)) continue;
      const inner = [...s].map(escapeRegExp).join(`(?:${LINE_BREAK.source})?`);
      const open = WORD.test(s[0]!) ? `(?<!${WORD.source})` : '';
      const close = WORD.test(s[s.length - 1]!) ? `(?!${WORD.source})` : '';
      out = out.replace(new RegExp(open + inner + close, 'g'), REDACTED);
    }
    return out;
  }

  /** A deep copy with every string scrubbed. */
  redactDeep<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }
}

/**
 * The forms a secret may come back in: as it is; JSON-encoded once and twice (a document
 * carried inside another); URL-encoded as encodeURIComponent, as WHATWG URL and as a form
 * does; base64; and without an auth scheme.
 */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const out = [
    secret, json, JSON.stringify(json).slice(1, -1),
    encodeURIComponent(secret), encodeURIComponent(secret).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    new URLSearchParams({ v: secret }).toString().slice(2),
    Buffer.from(secret).toString('base64'),
  ];
  const scheme = /^(?:Bearer|Basic|Token|Bot|Digest|ApiKey)\s+(\S+)$/i.exec(secret);
  if (scheme) {
    out.push(scheme[1]!);
    // Basic: base64 of user:password. The password is the secret; user:password whole only
    // when the password alone is too short to be one (the user name is worth keeping).
    if (/^basic/i.test(secret)) {
      const decoded = Buffer.from(scheme[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && /^[\x20-\x7e]+$/.test(decoded)) {
        const password = decoded.slice(colon + 1);
        out.push(password.length >= MIN_SECRET_LENGTH ? password : decoded);
      }
    }
  }
  return out;
}

/**
 * Whether a value looks like a generated credential: long, one word of token characters,
 * with digits or mixed case (`Zx8vQ2mN7pL4kR9t`, a UUID), not a path or a name such as
 * `foglet-bbs-production`.
 */
export function looksLikeToken(value: string): boolean {
  return value.length >= MIN_TOKEN_LENGTH && /^[A-Za-z0-9+/=_.~-]+$/.test(value) && !value.startsWith('/')
    && /[A-Za-z]/.test(value) && (/\d/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value)))
    && new Set(value).size >= 8;
}

/** What continues a word: a secret is hidden only where it is not part of a longer one. `_` joins words in names (`id_<secret>_end`) but not in secrets' surroundings, so it does not count. */
const WORD = /[A-Za-z0-9-]/;
/** An escape just before a secret (`%20`, `\u0022`, `\x22`, `\n`) ends the word before it, though its last character is a letter or digit. */
const ESCAPE_BEFORE = /(?:%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|\\[nrt])$/;
/** A credential with its scheme, wherever it stands in a value (`Authorization: Bearer ...` as a command argument). */
const AUTH_SCHEME = /(?:^|[\s:='"])(Bearer|Basic|Token|Bot|Digest|ApiKey)\s+([^\s'"]{8,})/gi;
/** A line break, raw or as JSON escapes it. */
const LINE_BREAK = /\r\n|\n|\r|\\r\\n|\\n|\\r/;
const LINE_BREAKS = new RegExp(LINE_BREAK.source, 'g');
/** In an environment or headers, a name with one of these words anywhere (`AUTH_HEADER`, `PRIVATE_KEY_PEM`) holds a secret. */
const SECRET_WORD_ANYWHERE = /(?:^|[^a-z])(?:auth|key|pass|pwd|private|pem|session|cookie)(?:[^a-z]|$)/i;
/** Maps whose values are secrets when they look like credentials, whatever their names: a command's environment, request headers. */
const CREDENTIAL_MAPS = new Set(['env', 'headers']);
/** A command-line flag whose name says its value is secret: `--password=x`, or `--password x`. */
const FLAG = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s;

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces `secret` where it stands whole: not inside a longer word (so an ordinary value is never altered). */
function replaceWhole(text: string, secret: string): string {
  let out = '';
  let from = 0;
  for (let i = text.indexOf(secret); i !== -1; i = text.indexOf(secret, i + 1)) {
    const before = text[i - 1];
    const after = text[i + secret.length];
    const edgeIn = WORD.test(secret[0]!) && before !== undefined && WORD.test(before) && !ESCAPE_BEFORE.test(text.slice(Math.max(0, i - 6), i));
    const edgeOut = WORD.test(secret[secret.length - 1]!) && after !== undefined && WORD.test(after);
    if (edgeIn || edgeOut || i < from) continue;
    out += text.slice(from, i) + REDACTED;
    from = i + secret.length;
  }
  return out + text.slice(from);
}

export function collectSecrets(value: unknown, key = '', out: string[] = [], parent = ''): string[] {
  if (typeof value === 'string') {
    if (isSecretKey(key) || (CREDENTIAL_MAPS.has(parent) && (looksLikeToken(value) || SECRET_WORD_ANYWHERE.test(key)))) out.push(value);
    // A credential with its scheme is one whatever the header or argument is called (`X-Upstream: Bearer ...`).
    // The credential alone, so that the scheme stays readable where it is printed; Basic's password too.
    // Only what looks like one: "Token rejected" or "Basic settings" in a summary are words.
    for (const m of value.matchAll(AUTH_SCHEME)) {
      if (!credentialLike(m[2]!)) continue;
      out.push(m[2]!);
      if (/^basic$/i.test(m[1]!)) out.push(...forms(`Basic ${m[2]!}`).slice(-1));
    }
    // URLs: the value itself, and any inside it (a shell string's `DATABASE_URL=postgres://u:pw@h/d`, `'https://x/?token=...'`).
    out.push(...urlSecrets(value));
    for (const m of value.matchAll(URL_IN_TEXT)) if (m[0] !== value) out.push(...urlSecrets(m[0]));
  } else if (Array.isArray(value)) {
    for (const v of value) collectSecrets(v, key, out, parent);
    if (key === 'command' && value.every((v) => typeof v === 'string')) out.push(...argumentSecrets(value as string[]));
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // A login's user:password as Basic auth or a board might print it (base64), the user name kept out of it.
    const user = [o.username, o.handle, o.user].find((u) => typeof u === 'string');
    if (typeof user === 'string' && typeof o.password === 'string') out.push(Buffer.from(`${user}:${o.password}`).toString('base64'));
    for (const [k, v] of Object.entries(o)) collectSecrets(v, k, out, key);
  }
  return out;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s'"<>]{1,2048}/gi;

/**
 * Secrets in a command's arguments, also inside a shell string (`sh -c "..."`): the value of a
 * flag named as a secret (`--password x`, `--api-token=x`), of `-u`/`--user user:password`
 * (curl), of `NAME=value` where the name is a secret's or the value looks like one
 * (`PGPASSWORD=...` for `env`), and of a header argument named as a secret (`Cookie: ...`).
 */
function argumentSecrets(args: string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    const header = HEADER_ARG.exec(arg);
    if (header && (isSecretKey(header[1]!) || /^(?:set-)?cookie$/i.test(header[1]!))) out.push(header[2]!.trim());
  }
  const words = args.flatMap(shellWords);
  words.forEach((w, i) => {
    const flag = FLAG.exec(w);
    if (flag) {
      const given = flag[2] ?? words[i + 1];
      // `--password-stdin HOST`, `--token-file PATH`: the next word is not the secret.
      if (given && isSecretKey(flag[1]!) && !/(?:stdin|file|path|dir|env)$/i.test(flag[1]!)) out.push(given);
      if (given && /^(?:u|user)$/.test(flag[1]!)) {
        const colon = given.indexOf(':');
        // The password; user:password whole when the password alone is too short to be hidden.
        if (colon > 0 && colon < given.length - 1) out.push(given.length - colon - 1 >= MIN_SECRET_LENGTH ? given.slice(colon + 1) : given);
      }
      return;
    }
    const assign = ASSIGNMENT.exec(w);
    if (assign && (isSecretKey(assign[1]!) || looksLikeToken(assign[2]!))) out.push(assign[2]!);
  });
  return out;
}

const HEADER_ARG = /^([A-Za-z][\w-]{0,63}):\s*(\S.*)$/s;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]{0,63})=(.+)$/s;

/**
 * A shell string's words, enough to find flags and assignments: quotes and shell separators
 * (`;`, `|`, `&`, parentheses, backticks) split words and are never part of one, and a quoted
 * part is searched too (`echo "--password X"`, `ssh host 'DB_PASS=x ...'`).
 */
function shellWords(text: string): string[] {
  return text.split(/[\s"'`;|&()<>]+/).filter(Boolean);
}

/** A query's name=value pairs as they are written (not decoded): the forms a target echoes differ from URLSearchParams'. */
function rawQuery(text: string): Array<[string, string]> {
  const q = text.indexOf('?');
  if (q === -1) return [];
  const hash = text.indexOf('#', q);
  return text.slice(q + 1, hash === -1 ? undefined : hash).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

function decode(text: string): string {
  try { return decodeURIComponent(text); } catch { return text; }
}

const SECRET_PARAM = /^(key|sig|signature|auth|access_token|id_token|refresh_token|code|jwt|private|jsessionid|phpsessid|sid)$/i;

function urlSecrets(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return [];
  let url: URL;
  try { url = new URL(text); } catch { return []; }
  const out: string[] = [];
  if (url.password) {
    const user = decode(url.username);
    const password = decode(url.password);
    // As Basic auth would send it (base64 of user:password); the URL's user name itself is not
    // secret, unless the password alone is too short to be hidden: then user:password is, whole.
    out.push(password, url.password, Buffer.from(`${user}:${password}`).toString('base64'));
    if (password.length < MIN_SECRET_LENGTH) out.push(`${user}:${password}`, `${url.username}:${url.password}`);
  }
  // A token given as the user name (`https://ghp_...@host/`).
  if (!url.password && url.username && looksLikeToken(decode(url.username))) out.push(url.username, decode(url.username));
  // Path parameters such as `;jsessionid=...`.
  for (const m of url.pathname.matchAll(/;([A-Za-z_]{1,32})=([^;/]{1,512})/g)) if (isSecretKey(m[1]!) || SECRET_PARAM.test(m[1]!)) out.push(m[2]!, decode(m[2]!));
  // Each secret parameter of the query and the fragment as written, as WHATWG URL normalises it
  // (`'` becomes %27), and decoded both ways (`+` kept, and `+` as a space as forms decode it).
  const fragment = (t: string) => { const h = t.indexOf('#'); return h === -1 ? [] : rawQuery(`?${t.slice(h + 1)}`); };
  for (const [name, value] of [...rawQuery(text), ...rawQuery(url.href), ...fragment(text)]) {
    const k = decode(name.replace(/\+/g, ' '));
    if (!value || !(isSecretKey(k) || SECRET_PARAM.test(k))) continue;
    out.push(value, decode(value), decode(value.replace(/\+/g, ' ')));
  }
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
 * A sink URL that is itself the credential (Slack's, a webhook's, a heartbeat's:
 * SINK_CREDENTIAL_URLS, each sink kind's own rule in its schema.ts) is a secret whole, and so is
 * each long path segment on its own (the token, as a careless log line would print it).
 */
function sinkUrlSecrets(config: unknown): string[] {
  const sinks = (config as { alerts?: { sinks?: Array<Record<string, unknown> & { kind?: string }> } } | undefined)?.alerts?.sinks ?? [];
  const out: string[] = [];
  for (const sink of sinks) {
    // An unknown kind: the safe side, its url is a credential.
    const fields: readonly string[] = (SINK_CREDENTIAL_URLS as Record<string, readonly string[] | undefined>)[sink.kind ?? ''] ?? ['url'];
    for (const field of fields) {
      const url = sink[field];
      if (typeof url !== 'string') continue;
      out.push(url);
      try {
        const u = new URL(url);
        // A token in the path is a secret as a whole segment; the path's words ("/foglet-monitor-alerts") are not.
        for (const seg of u.pathname.split('/')) if (looksLikeToken(decode(seg))) out.push(decode(seg), seg);
      } catch { /* not a URL: the schema says so */ }
    }
  }
  return out;
}
