/**
 * `foglet-monitor rules test FILE...`: rule tests (see logs/rule-tests.ts) against the
 * built-in packs and, with -c, the config's own rules and overrides. Exit 0 when every
 * test passes, 1 when one fails (with what was missing and what came instead), 2 for a
 * bad file or config.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import type { RuleTest } from '../logs/rule-tests.js';

export interface RulesCommandDeps {
  /** logs.* from -c and --rules (or the defaults), exiting 2 on a bad file. */
  logsFor(opts: { config?: string; rules?: string }): Promise<Config['logs']>;
}

export function registerRulesCommands(program: Command, deps: RulesCommandDeps): void {
  const rules = program.command('rules').description('work with log rules');
  rules.command('test')
    .description('run rule tests: YAML files of log lines and the matches they must give; exit 1 when one fails, 2 for a bad file')
    .argument('<files...>', 'rule-test files (tests: [{name, lines | log, expect: [{category, rule?, line?}]}])')
    .option('-c, --config <file>', "test with this config's logs.* too (its own rules, packs and overrides)")
    .option('--rules <file>', 'extra rules: a YAML file with a list under "rules:"')
    .option('-v, --verbose', 'name every test that passed too')
    .action(async (files: string[], opts: { config?: string; rules?: string; verbose?: boolean }) => {
      const logs = await deps.logsFor(opts);
      // Imported when the command runs: the rule-test reader brings the YAML and schema libraries.
      const { describeFailure, loadRuleTests, runRuleTest } = await import('../logs/rule-tests.js');
      const { pipelineSetup } = await import('../logs/setup.js');
      let setup;
      try {
        setup = pipelineSetup(logs);
      } catch (e) {
        process.stderr.write(`foglet-monitor rules test: ${(e as Error).message}\n`);
        process.exit(2);
      }
      const suites: Array<{ file: string; tests: RuleTest[] }> = [];
      for (const file of files) {
        try {
          suites.push({ file, tests: await loadRuleTests(file) });
        } catch (e) {
          process.stderr.write(`foglet-monitor rules test: ${(e as Error).message}\n`);
          process.exit(2);
        }
      }
      let passed = 0;
      let failed = 0;
      for (const { file, tests } of suites) {
        for (const test of tests) {
          let result;
          try {
            result = await runRuleTest(test, setup, path.dirname(file));
          } catch (e) {
            process.stderr.write(`foglet-monitor rules test: ${file}: ${test.name}: ${(e as Error).message}\n`);
            process.exit(2);
          }
          if (result.ok) {
            passed++;
            if (opts.verbose) process.stdout.write(`ok   ${file}: ${test.name}\n`);
          } else {
            failed++;
            process.stdout.write(`${describeFailure({ ...result, name: `${file}: ${result.name}` })}\n`);
          }
        }
      }
      process.stdout.write(`${passed + failed} test(s): ${passed} passed, ${failed} failed\n`);
      process.exitCode = failed > 0 ? 1 : 0;
    });
}
