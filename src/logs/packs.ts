/**
 * Built-in rule packs: data files (src/logs/rules/*.yaml) checked by the build with the same
 * schema as the rules in a user's config (pack-schema.ts), and read here as the JSON the build
 * wrote (build-packs.ts), with the prefilter's literals it worked out.
 */
import { readFileSync } from 'node:fs';
import type { ConfigCheck } from '../config/load.js';
import type { Config, LogRuleConfig } from '../config/schema.js';
import { thawJson } from '../schema/frozen.js';
import type { RulePack } from './pack-schema.js';
import { primeLiterals } from './prefilter.js';

export type { RulePack };

const cache = new Map<string, RulePack>();

/** Where the build writes the packs, their literals and the default logs settings. */
export const RULES_DIR = new URL('./rules/', import.meta.url);

/** A built-in pack, as the build checked it. */
export function loadPack(name: string): RulePack {
  let pack = cache.get(name);
  if (!pack) {
    if (cache.size === 0) primeLiterals(readBuilt('literals.json', {}) as Record<string, string[] | null>);
    pack = readBuilt(`${name}.json`) as RulePack | undefined;
    if (!pack) throw new Error(`no built-in rule pack ${JSON.stringify(name)} in ${RULES_DIR.pathname} (the build writes them: npm run build)`);
    cache.set(name, pack);
  }
  return pack;
}

/** A file the build wrote beside the packs, or `fallback` where there is none. */
export function readBuilt(file: string, fallback?: unknown): unknown {
  let text: string;
  try {
    text = readFileSync(new URL(file, RULES_DIR), 'utf8');
  } catch {
    return fallback;
  }
  return thawJson(text);
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
