/**
 * The schema of a built-in rule pack (src/logs/rules/*.yaml): the same rule schema as a user's
 * rules, and contexts and restart markers. Used by the build, which checks each pack and writes
 * it as JSON (build-packs.ts); a start reads that JSON (packs.ts) without this schema's library.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { logRuleSchema } from '../config/schema.js';
import { duration } from '../schema/fields.js';

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

/** A pack's YAML, checked: its rules as a user's are. */
export function checkedPack(name: string, file: URL): RulePack {
  const parsed = packSchema.safeParse(YAML.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`built-in rule pack ${name} is invalid: ${parsed.error.message}`);
  return parsed.data;
}
