/** Loading a config or a rules file for a command, or exiting 2 naming every problem (see options.ts). */
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, formatPath, loadConfigFile, readBounded } from '../config/load.js';
import { userLogRuleSchema } from '../config/schema.js';
import { overrideProblems, packChecks } from '../logs/packs.js';
import type { Config } from '../config/schema.js';

/** Loads a config or exits 2 with every problem named. */
export async function loadOrExit(file: string): Promise<Config> {
  try {
    return await loadConfigFile(file, process.env, packChecks);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** logs.* with a --rules file's rules added, checked as a config's are (a context the packs lack), or exit 2. */
export async function logsWithRulesOrExit(logs: Config['logs'], file: string | undefined): Promise<Config['logs']> {
  if (!file) return logs;
  const merged = { ...logs, rules: [...logs.rules, ...await loadRulesFileOrExit(file)] };
  const problems = overrideProblems(merged).filter((p) => p.path[1] === 'rules' && Number(p.path[2]) >= logs.rules.length);
  if (problems.length === 0) return merged;
  const lines = problems.map((p) => `  ${file}: rules[${Number(p.path[2]) - logs.rules.length}].${String(p.path[3])}: ${p.message}`);
  process.stderr.write(`invalid rules file ${file}:\n${lines.join('\n')}\n`);
  process.exit(2);
}

/** A --rules file: `rules: [...]` validated like logs.rules, or exit 2 naming the problem. */
export async function loadRulesFileOrExit(file: string) {
  try {
    // Bounded as a config is: at most 5 MB read, aliases expanded at most a few thousand times.
    const parsed = YAML.parse(await readBounded(file, 'a rules file'), { maxAliasCount: 5_000 }) as unknown;
    const result = z.strictObject({ rules: z.array(userLogRuleSchema) }).safeParse(parsed);
    if (result.success) return result.data.rules;
    const problems = result.error.issues.map((i) => `  ${file}: ${formatPath(i.path)}: ${i.message}`);
    process.stderr.write(`invalid rules file ${file}:\n${problems.join('\n')}\n`);
  } catch (e) {
    process.stderr.write(`invalid rules file ${file}: ${(e as Error).message}\n`);
  }
  process.exit(2);
}
