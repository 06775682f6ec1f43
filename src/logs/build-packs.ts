/**
 * A build step (`npm run build`): each built-in pack's YAML checked with its schema and written
 * as JSON beside it; the defaults of a config's `logs` section; and the prefilter literals of
 * every pattern the default setup uses. A start reads these three (packs.ts, default-logs.ts)
 * and needs neither the schema's library nor the pattern parser: they were half of `scan`'s
 * start-up.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { validateConfig } from '../config/load.js';
import { freezeJson } from '../schema/frozen.js';
import { checkedPack } from './pack-schema.js';
import { RULES_DIR } from './packs.js';
import { knownLiterals } from './prefilter.js';
import { pipelineSetup } from './setup.js';

export function buildPacks(): void {
  for (const f of readdirSync(RULES_DIR)) {
    if (!f.endsWith('.yaml') || f.endsWith('.test.yaml')) continue;
    const name = f.slice(0, -'.yaml'.length);
    writeFileSync(new URL(`${name}.json`, RULES_DIR), freezeJson(checkedPack(name, new URL(f, RULES_DIR))));
  }
  const logs = validateConfig({}).logs;
  writeFileSync(new URL('default-logs.json', RULES_DIR), freezeJson(logs));
  pipelineSetup(logs);
  writeFileSync(new URL('literals.json', RULES_DIR), JSON.stringify(knownLiterals()));
}
