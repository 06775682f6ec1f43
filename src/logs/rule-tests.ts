/**
 * Rule tests, in the spirit of `promtool test rules` and `vector test`: a YAML file of
 * log lines (or a log file) and the matches they must give, run through the same
 * pipeline as the daemon and `scan`. A test passes when every expected match is found
 * and nothing else matched; a failure prints what was expected, what was missing and
 * what matched that should not have.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import YAML from 'yaml';
import { z } from 'zod';
import { formatPath, readBounded } from '../config/load.js';
import { scanStream, type ScanMatch } from './scan.js';
import type { PipelineSetup } from './setup.js';

const expectation = z.strictObject({
  category: z.string().min(1),
  /** The rule that must give it; any rule of the category when left out. */
  rule: z.string().min(1).optional(),
  /** The 1-based line the event starts on, within the test's lines. */
  line: z.number().int().min(1).optional(),
});

const ruleTest = z.strictObject({
  name: z.string().min(1),
  /** The log lines, as the board writes them. */
  lines: z.array(z.string()).optional(),
  /** Or a log file, relative to the test file. */
  log: z.string().min(1).optional(),
  /** The matches: an empty list means nothing may match. */
  expect: z.array(expectation, { error: (iss) => iss.input === undefined ? 'required: the matches expected, or [] when nothing may match' : 'expected a list of {category, rule, line}' }),
}).refine((t) => (t.lines === undefined) !== (t.log === undefined), { error: 'give either lines or log, not both and not neither' });

export const ruleTestFileSchema = z.strictObject({ tests: z.array(ruleTest).min(1) });

export type Expectation = z.output<typeof expectation>;
export type RuleTest = z.output<typeof ruleTest>;

export interface RuleTestResult {
  name: string;
  ok: boolean;
  /** Expected matches that did not come. */
  missing: Expectation[];
  /** Matches no expectation asked for. */
  unexpected: ScanMatch[];
  got: ScanMatch[];
}

/** A rule-test file, validated; throws an Error naming the file and the field. */
export async function loadRuleTests(file: string): Promise<RuleTest[]> {
  let parsed: unknown;
  try {
    parsed = YAML.parse(await readBounded(file, 'a rule-test file'), { maxAliasCount: 5_000 });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  const result = ruleTestFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${file}: ${formatPath(issue.path) || '(top)'}: ${issue.message}`);
  }
  return result.data.tests;
}

/** Runs one test through a fresh pipeline: no state carries from one test to the next. */
export async function runRuleTest(test: RuleTest, setup: PipelineSetup, baseDir: string): Promise<RuleTestResult> {
  const text = test.lines !== undefined ? `${test.lines.join('\n')}\n` : await readFile(path.resolve(baseDir, test.log!), 'utf8');
  const { matches } = await scanStream(Readable.from([Buffer.from(text)]), test.name, setup);
  const left = [...matches];
  const missing: Expectation[] = [];
  for (const want of test.expect) {
    const i = left.findIndex((m) => m.category === want.category && (want.rule === undefined || m.rule === want.rule) && (want.line === undefined || m.line === want.line));
    if (i === -1) missing.push(want);
    else left.splice(i, 1);
  }
  return { name: test.name, ok: missing.length === 0 && left.length === 0, missing, unexpected: left, got: matches };
}

/** A failed test as a person reads it: what was asked, what is missing, what came instead. */
export function describeFailure(r: RuleTestResult): string {
  const want = (e: Expectation) => `${e.category}${e.rule ? `/${e.rule}` : ''}${e.line ? ` at line ${e.line}` : ''}`;
  const got = (m: ScanMatch) => `${m.category}/${m.rule} at line ${m.line}: ${m.text.split('\n')[0]!.slice(0, 120)}`;
  const out = [`FAIL ${r.name}`];
  for (const m of r.missing) out.push(`  - missing:    ${want(m)}`);
  for (const m of r.unexpected) out.push(`  + unexpected: ${got(m)}`);
  if (r.got.length > r.unexpected.length) out.push(`    (matched: ${r.got.map((m) => `${m.category}/${m.rule}@${m.line}`).join(', ')})`);
  return out.join('\n');
}
