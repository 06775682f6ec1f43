/**
 * Turns a YAML file into a validated Config: parse, interpolate ${ENV} in string
 * values, validate against the schema. Every problem names the file, the key path
 * (`checks[1].timeout`), the line where it can be found, and what was expected.
 */
import { open, stat } from 'node:fs/promises';
import YAML, { LineCounter, isAlias, isMap, isScalar, isSeq, visit, type Alias, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, duplicateNames, type Config } from './schema.js';
import { isSecretKey } from './redact.js';
import { shown } from '../schema/fields.js';

export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: ConfigProblem[]) {
    super(formatProblems(file, problems));
    this.name = 'ConfigError';
  }
}

function formatProblems(file: string, problems: ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line ? `${file}:${p.line}:${p.column ?? 1}` : file;
    return `  ${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
  });
  // The last entry may stand for many ("and 19900 more problems like these"): the count says all of them.
  const more = /^and (\d+) more problem/.exec(problems.at(-1)?.message ?? '');
  const total = more ? problems.length - 1 + Number(more[1]) : problems.length;
  return `invalid config ${file} (${total} problem${total === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

export type Env = Record<string, string | undefined>;

/** A config is a page or two of YAML; one of megabytes is a mistake (or an attack), refused before it is parsed. */
const MAX_CONFIG_BYTES = 5 * 1024 * 1024;
/**
 * How much aliasing a config may do (yaml's count: uses of an anchor times the aliases
 * inside it). A real config reuses `&defaults` for hundreds of checks; an exponential
 * alias bomb needs millions.
 */
const MAX_ALIAS_COUNT = 20_000;
/** Entries of one mapping or list at most: a config with thousands of checks has a few thousand. */
const MAX_ITEMS = 20_000;
/** Keys and values that aliases and merges may add to a config (a config of 1,000 checks has some 50,000 in all). */
const MAX_EXPANDED_VALUES = 500_000;
/** Problems listed at most; the rest are counted, so a file of a million bad keys is reported in linear time. */
const MAX_PROBLEMS = 100;

/**
 * A check of a config that passed the schema against what a part above config/ knows (the
 * rule packs' rule ids and contexts: logs/packs.ts). The composition roots (cli.ts,
 * daemon.ts) hand the checks in, so that config/ imports nothing from the parts it configures.
 */
export type ConfigCheck = (config: Config) => Array<{ path: PropertyKey[]; message: string }>;

export async function loadConfigFile(file: string, env: Env = process.env, checks: readonly ConfigCheck[] = []): Promise<Config> {
  let text: string;
  try {
    text = await readBounded(file);
  } catch (e) {
    // A file that is not there is most often the default path, or a -c pointing elsewhere: say where the path came from.
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (give the config with -c FILE, or set FOGLET_MONITOR_CONFIG)' : '';
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${(e as Error).message}${missing}` }]);
  }
  return parseConfigText(text, file, env, checks);
}

/**
 * The file's text, refused past `max` bytes. Read up to one byte past the limit rather
 * than trusting its size: a device or a pipe (`-c /dev/zero`) says 0 and never ends.
 */
export async function readBounded(file: string, what = 'a config', max: number = MAX_CONFIG_BYTES): Promise<string> {
  const size = (await stat(file)).size;
  if (size > max) throw new Error(`it is ${(size / 1024 / 1024).toFixed(1)} MB; ${what} may be at most ${max / 1024 / 1024} MB`);
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(max + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > max) throw new Error(`it is more than ${max / 1024 / 1024} MB; ${what} may be at most ${max / 1024 / 1024} MB`);
    return buf.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}

export function parseConfigText(text: string, file: string, env: Env = process.env, checks: readonly ConfigCheck[] = []): Config {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [{ path: '', message: `the config is ${(text.length / 1024 / 1024).toFixed(1)} MB; it may be at most ${MAX_CONFIG_BYTES / 1024 / 1024} MB` }]);
  }
  const lineCounter = new LineCounter();
  // merge: YAML 1.1 merge keys (`<<: *defaults`), which configs with many similar checks use.
  // Duplicate keys are found below in linear time (yaml's own uniqueKeys check is quadratic: 21 s for 40,000 keys).
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false, merge: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.slice(0, MAX_PROBLEMS).map((e) => {
      const pos = e.linePos?.[0];
      const said = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return { path: '', message: `YAML: ${/Maximum call stack size exceeded/.test(said) ? 'nested too deeply' : said}`, line: pos?.line, column: pos?.col };
    }));
  }
  const duplicates = duplicateKeys(doc, lineCounter);
  if (duplicates.length > 0) throw new ConfigError(file, duplicates);
  const firstAliasAt = (): Pick<ConfigProblem, 'line' | 'column'> => {
    let at: Pick<ConfigProblem, 'line' | 'column'> = {};
    visit(doc, { Alias(_k, node) { if (node.range) { const pos = lineCounter.linePos(node.range[0]); at = { line: pos.line, column: pos.col }; } return visit.BREAK; } });
    return at;
  };
  // Merge keys copy their mapping's keys on every use, which yaml's alias count does not see:
  // five thousand `<<: *big` of a 2,000-key mapping took 44 s and 2 GB. Refused by the size the
  // aliases expand to, counted on the syntax tree in linear time before anything is expanded.
  // A mapping of hundreds of thousands of keys is no config: refused before the schema sees it
  // (validating 480,000 unknown keys took 19 s and 950 MB, a reload stalled the daemon for it).
  let written = 0;
  let oversized: Node | undefined;
  visit(doc, {
    Node(_k, node) {
      written++;
      if (!oversized && (isMap(node) || isSeq(node)) && node.items.length > MAX_ITEMS) oversized = node as Node;
    },
  });
  if (oversized) {
    const pos = oversized.range ? lineCounter.linePos(oversized.range[0]) : undefined;
    throw new ConfigError(file, [{ path: '', message: `YAML: a mapping or list of more than ${MAX_ITEMS.toLocaleString('en-US')} entries is not a config`, line: pos?.line, column: pos?.col }]);
  }
  // Only what aliases add counts: a large config without any is bounded by its bytes.
  if (expandedSize(doc, written + MAX_EXPANDED_VALUES) > written + MAX_EXPANDED_VALUES) {
    throw new ConfigError(file, [{ path: '', message: `YAML: anchors and merge keys expand the config to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values`, ...firstAliasAt() }]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    // yaml's guard against an exponential alias bomb: name the file and the first alias.
    let line: number | undefined;
    let column: number | undefined;
    visit(doc, { Alias(_k, node) { if (node.range && line === undefined) ({ line, col: column } = lineCounter.linePos(node.range[0])); return visit.BREAK; } });
    throw new ConfigError(file, [{ path: '', message: `YAML: ${(e as Error).message} (aliases expand to more than ${MAX_ALIAS_COUNT} nodes)`, line, column }]);
  }
  const locate = (path: PropertyKey[]): Pick<ConfigProblem, 'line' | 'column'> => {
    const node = findNode(doc, path);
    if (!node?.range) return {};
    const pos = lineCounter.linePos(node.range[0]);
    return { line: pos.line, column: pos.col };
  };

  // Top-level `x-...` keys are the config's own scratch space (as in Compose files): a place for `&anchors`.
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('x-')));
  }
  const envProblems: ConfigProblem[] = [];
  const interpolated = interpolateEnv(raw, env, [], envProblems);
  // Every problem at once: an unset variable, and what the schema says of the rest.
  return validateConfig(interpolated, file, locate, checks, envProblems.map((p) => ({ ...p, ...locate(parsePath(p.path)) })));
}


/** Validates an already-parsed object (the demo builds its config in code). */
export function validateConfig(
  input: unknown,
  file = '<config>',
  locate: (path: PropertyKey[]) => Pick<ConfigProblem, 'line' | 'column'> = () => ({}),
  checks: readonly ConfigCheck[] = [],
  before: ConfigProblem[] = [],
): Config {
  const parsed = configSchema.safeParse(input, { error: describeIssue });
  if (parsed.success) {
    const later = checks.flatMap((check) => check(parsed.data));
    if (later.length === 0 && before.length === 0) return parsed.data;
    throw new ConfigError(file, sortProblems([...before, ...later.map((p) => ({ path: formatPath(p.path), message: p.message, ...locate(p.path) }))]));
  }
  const problems: ConfigProblem[] = [...before];
  let more = 0;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        // Each one listed is located and matched against the schema's keys: only the first MAX_PROBLEMS are.
        if (problems.length >= MAX_PROBLEMS) { more++; continue; }
        const path = [...issue.path, key];
        // At the top, only the top-level keys: "key" is a login's, and no hint for k0.
        let hint = suggest(key, issue.path.length === 0 ? Object.keys(configSchema.shape) : schemaKeys());
        if (hint === key) hint = undefined; // a key of another kind or section: no better spelling to offer
        const shown = key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}... (${key.length} characters)` : key;
        problems.push({ path: formatPath([...issue.path, shown]), message: `unknown key${hint ? ` (did you mean "${hint}"?)` : schemaKeys().includes(key) ? ' (not one this kind or section takes)' : ''}`, ...locate(path) });
      }
    } else if (problems.length >= MAX_PROBLEMS) {
      more++;
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message, ...locateNearest(issue.path, locate) });
    }
  }
  // The schema stops before its cross-field checks when a field is wrong: names given twice are read from the raw config.
  const said = new Set(problems.map((p) => p.path));
  for (const d of duplicateNames(input)) {
    const at = formatPath(d.path);
    if (!said.has(at) && problems.length < MAX_PROBLEMS) problems.push({ path: at, message: d.message, ...locate(d.path) });
  }
  // A key whose variable is unset was read as "": what the schema says of that "" is the same problem again.
  const unset = new Set(before.map((p) => p.path));
  const all = sortProblems(problems.filter((p, i) => i < before.length || !unset.has(p.path)));
  if (more > 0) all.push({ path: '', message: `and ${more} more problem${more === 1 ? '' : 's'} like these` });
  throw new ConfigError(file, all);
}

/** In the order of the file (problems without a line last, in the order found). */
function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i).map((x) => x.p);
}

/** Keys given twice in one mapping (the second would silently win), each with its line; at most MAX_PROBLEMS. */
function duplicateKeys(doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const item of map.items) {
        if (!isScalar(item.key) || item.key.value === '<<') continue;
        if (seen.has(item.key.value) && out.length < MAX_PROBLEMS) {
          const pos = item.key.range ? lineCounter.linePos(item.key.range[0]) : undefined;
          out.push({ path: '', message: `YAML: map keys must be unique: ${JSON.stringify(item.key.value)} is given again`, line: pos?.line, column: pos?.col });
        }
        seen.add(item.key.value);
      }
    },
  });
  return out;
}

/** A missing key has no node of its own: point at the closest parent that exists. */
function locateNearest(path: PropertyKey[], locate: (p: PropertyKey[]) => Pick<ConfigProblem, 'line' | 'column'>) {
  for (let n = path.length; n >= 0; n--) {
    const at = locate(path.slice(0, n));
    if (at.line) return at;
  }
  return {};
}

function describeIssue(iss: z.core.$ZodRawIssue): string | undefined {
  // A secret given the wrong way (a number for a password) is named by its type only: the error is printed.
  const key = iss.path?.at(-1);
  const got = typeof key === 'string' && isSecretKey(key) && iss.input !== undefined && iss.input !== null ? `a ${Array.isArray(iss.input) ? 'list' : typeof iss.input}` : describeValue(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      // A string is not echoed: it may hold a secret that came from ${ENV} (a command written as one string).
      return iss.input === undefined ? `is required (expected ${iss.expected})` : `expected ${iss.expected}, got ${typeof iss.input === 'string' ? 'a string' : got}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      return iss.origin === 'array' ? `expected at least ${iss.minimum} item(s)` : `must be at least ${iss.minimum}, got ${got}`;
    case 'invalid_key':
      return `${JSON.stringify(iss.input)}: ${iss.issues?.[0]?.message ?? 'not a valid key here'}`;
    case 'too_big':
      return iss.origin === 'array' ? `expected at most ${iss.maximum} item(s)` : `must be at most ${iss.maximum}, got ${got}`;
    default:
      return undefined;
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v === 'string' ? `string ${shown(v)}` : `${typeof v} ${JSON.stringify(v)}`;
}

const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${NAME} and ${NAME:-default} in every string value; `$${` is a literal `${`. */
export function interpolateEnv(value: unknown, env: Env, path: PropertyKey[], problems: ConfigProblem[]): unknown {
  if (typeof value === 'string') {
    // What is not a reference nor an escape would be kept as it is written, and mean nothing: say so.
    if (value.replace(ENV_REF, '').includes('${')) {
      problems.push({ path: formatPath(path), message: 'a "${" that is not ${NAME} or ${NAME:-fallback} (names are letters, digits and "_"; write $${ for a literal ${)' });
    }
    return value.replace(ENV_REF, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      if (fallback?.includes('${')) {
        problems.push({ path: formatPath(path), message: `the fallback of \${${name}} holds another \${...}: one level only; write the fallback's value itself` });
        return '';
      }
      const v = env[name!];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, i], problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, [...path, k], problems)]));
  }
  return value;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function parsePath(path: string): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

function findNode(doc: Document, path: PropertyKey[]): Node | undefined {
  if (path.length === 0) return doc.contents ?? undefined;
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    // Point at the key, which is where a reader looks for a typo.
    const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === last);
    return (pair?.key as Node | undefined) ?? undefined;
  }
  const node = doc.getIn(path, true);
  return node && typeof node === 'object' ? (node as Node) : undefined;
}

/** Every key name the schema knows, gathered once, for "did you mean" hints. */
let allKeys: string[] | undefined;
function schemaKeys(): string[] {
  if (allKeys) return allKeys;
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (schema: unknown): void => {
    if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
    seen.add(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.shape && typeof def.shape === 'object') {
      for (const [k, v] of Object.entries(def.shape)) { keys.add(k); walk(v); }
    }
    for (const field of ['element', 'innerType', 'in', 'out', 'valueType']) walk(def[field]);
    if (Array.isArray(def.options)) def.options.forEach(walk);
  };
  walk(configSchema);
  allKeys = [...keys];
  return allKeys;
}

/** An unknown key longer than this is shown cut, and gets no "did you mean" (no key the config knows is half as long). */
const MAX_KEY_SHOWN = 80;

function suggest(key: string, candidates: string[]): string | undefined {
  if (key.length > MAX_KEY_SHOWN) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - key.length) >= bestDistance) continue; // the distance is at least the length difference
    const d = editDistance(key.toLowerCase(), c);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * How many keys and values the document holds once its aliases are expanded (a merge key
 * counts its mapping's whole size), stopping soon after `cap`. Each anchored node is sized
 * once, and anchors are resolved in one pass (yaml's Alias.resolve walks the document per call).
 */
function expandedSize(doc: Document, cap: number): number {
  const targets = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_k, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  const sizes = new Map<Node, number>();
  const sizing = new Set<Node>();
  const size = (node: unknown): number => {
    if (!node || typeof node !== 'object') return 1;
    if (isAlias(node)) {
      const target = targets.get(node);
      return target ? size(target) : 1;
    }
    const n = node as Node;
    const known = sizes.get(n);
    if (known !== undefined) return known;
    if (sizing.has(n)) return 1; // an alias inside its own anchor: yaml refuses it later
    sizing.add(n);
    let total = 1;
    if (isMap(n)) for (const pair of n.items) { total += size(pair.key) + size(pair.value); if (total > cap) break; }
    else if (isSeq(n)) for (const item of n.items) { total += size(item); if (total > cap) break; }
    sizing.delete(n);
    sizes.set(n, total);
    return total;
  };
  return size(doc.contents);
}
