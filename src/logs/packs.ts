/**
 * Built-in rule packs: data files (src/logs/rules/*.yaml) validated with the same
 * schema as the rules in a user's config.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { logRuleSchema, type Config, type LogRuleConfig } from '../config/schema.js';

export const packSchema = z.strictObject({
  name: z.string(),
  rules: z.array(logRuleSchema),
  restart_markers: z.strictObject({
    boot: z.array(z.strictObject({ kind: z.string(), pattern: z.string() })),
    crash: z.array(z.string()),
  }),
});
export type RulePack = z.output<typeof packSchema>;

const cache = new Map<string, RulePack>();

export function loadPack(name: string): RulePack {
  let pack = cache.get(name);
  if (!pack) {
    const file = new URL(`./rules/${name}.yaml`, import.meta.url);
    const parsed = packSchema.safeParse(YAML.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`built-in rule pack ${name} is invalid: ${parsed.error.message}`);
    pack = parsed.data;
    cache.set(name, pack);
  }
  return pack;
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

/** Problems with `logs.rule_overrides`: each id must name a rule of a pack in use. */
export function overrideProblems(logs: Config['logs']): Array<{ path: PropertyKey[]; message: string }> {
  const ids = new Set(logs.rule_packs.flatMap((p) => loadPack(p).rules.map((r) => r.id)));
  return Object.keys(logs.rule_overrides)
    .filter((id) => !ids.has(id))
    .map((id) => ({
      path: ['logs', 'rule_overrides', id],
      message: `no rule ${JSON.stringify(id)} in the rule packs in use (${logs.rule_packs.join(', ') || 'none'})`,
    }));
}
