/**
 * Built-in rule packs: data files (src/logs/rules/*.yaml) validated with the same
 * schema as the rules in a user's config.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import type { ConfigCheck } from '../config/load.js';
import { logRuleSchema, type Config, type LogRuleConfig } from '../config/schema.js';
import { duration } from '../schema/fields.js';
import { primeLiterals } from './prefilter.js';

export const packSchema = z.strictObject({
  name: z.string(),
  /** States of a source that rules may depend on (see logs/contexts.ts). */
  contexts: z.array(z.strictObject({
    name: z.string().regex(/^[a-z_]{1,32}$/),
    enter: z.string(),
    leave: z.string(),
    lasts: duration({ min: '1s', max: '24h' }),
    ends_with: z.string().optional(),
  })).default([]),
  rules: z.array(logRuleSchema),
  restart_markers: z.strictObject({
    boot: z.array(z.strictObject({ kind: z.string(), pattern: z.string() })),
    crash: z.array(z.string()),
  }),
});
export type RulePack = z.output<typeof packSchema>;

const cache = new Map<string, RulePack>();

const RULES_DIR = new URL('./rules/', import.meta.url);

/**
 * A built-in pack: the JSON the build compiled from its YAML (parsing the YAML took 70 ms of
 * every start, a fifth of `scan`'s start-up), or the YAML where there is no JSON.
 */
export function loadPack(name: string): RulePack {
  let pack = cache.get(name);
  if (!pack) {
    if (cache.size === 0) primeLiterals(compiledLiterals());
    pack = validPack(name, compiledPack(name) ?? packYaml(name));
    cache.set(name, pack);
  }
  return pack;
}

function packYaml(name: string): unknown {
  return YAML.parse(readFileSync(new URL(`${name}.yaml`, RULES_DIR), 'utf8'));
}

function validPack(name: string, raw: unknown): RulePack {
  const parsed = packSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`built-in rule pack ${name} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** The compiled JSON, or undefined where there is none or it does not parse (the YAML is read then). */
function compiledPack(name: string): unknown {
  try {
    return JSON.parse(readFileSync(new URL(`${name}.json`, RULES_DIR), 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The prefilter's literals of the packs' patterns, as the build worked them out (none where it did not). */
function compiledLiterals(): Record<string, string[] | null> {
  try {
    return JSON.parse(readFileSync(new URL('literals.json', RULES_DIR), 'utf8')) as Record<string, string[] | null>;
  } catch {
    return {};
  }
}

/** The build's last step: the literals of every pattern the default setup's prefilters use, beside the packs. */
export function writeLiterals(entries: Record<string, string[] | null>): void {
  writeFileSync(new URL('literals.json', RULES_DIR), JSON.stringify(entries));
}

/** The build's step: each pack's YAML beside this module, checked, written as JSON. */
export function compilePacks(): void {
  for (const f of readdirSync(RULES_DIR)) {
    if (!f.endsWith('.yaml') || f.endsWith('.test.yaml')) continue;
    const name = f.slice(0, -'.yaml'.length);
    const raw = packYaml(name);
    validPack(name, raw);
    writeFileSync(new URL(`${name}.json`, RULES_DIR), JSON.stringify(raw));
  }
}

/** The rules in force: the packs' rules with overrides applied, then the user's own (on the linear-time engine). */
export function effectiveRules(logs: Config['logs']): Array<LogRuleConfig & { linear?: boolean }> {
  const out: Array<LogRuleConfig & { linear?: boolean }> = [];
  for (const name of logs.rule_packs) {
    for (const rule of loadPack(name).rules) {
      const o = logs.rule_overrides[rule.id];
      if (o?.enabled === false) continue;
      out.push({
        ...rule,
        ...(o?.severity ? { severity: o.severity } : {}),
        ...(o?.threshold ? { threshold: o.threshold } : {}),
        ...(o?.quiet_for ? { quiet_for: o.quiet_for } : {}),
      });
    }
  }
  // A user rule with a pack rule's id replaces it.
  for (const rule of logs.rules) {
    const i = out.findIndex((r) => r.id === rule.id);
    if (i >= 0) out[i] = { ...rule, linear: true }; else out.push({ ...rule, linear: true });
  }
  return out;
}

/** The config's check against the packs it names: the roots hand it to loadConfigFile and validateConfig. */
export const packChecks: readonly ConfigCheck[] = [(config) => overrideProblems(config.logs)];

/**
 * Problems only the packs in use can tell: each id in `logs.rule_overrides` must name one of
 * their rules, and a rule's `context` one of their contexts.
 */
export function overrideProblems(logs: Config['logs']): Array<{ path: PropertyKey[]; message: string }> {
  const packs = logs.rule_packs.map(loadPack);
  const ids = new Set(packs.flatMap((p) => p.rules.map((r) => r.id)));
  const contexts = new Set(packs.flatMap((p) => p.contexts.map((c) => c.name)));
  const inUse = logs.rule_packs.join(', ') || 'none';
  return [
    ...Object.keys(logs.rule_overrides)
      .filter((id) => !ids.has(id))
      .map((id) => ({ path: ['logs', 'rule_overrides', id], message: `no rule ${JSON.stringify(id)} in the rule packs in use (${inUse})` })),
    ...logs.rules.flatMap((r, i) => r.context && !contexts.has(r.context.replace(/^!/, ''))
      ? [{ path: ['logs', 'rules', i, 'context'], message: `no context ${JSON.stringify(r.context.replace(/^!/, ''))} in the rule packs in use (${inUse}): ${[...contexts].join(', ') || 'they have none'}` }]
      : []),
  ];
}
