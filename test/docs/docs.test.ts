/**
 * The README and docs/ cannot go stale unseen: every shell example marked `sh runnable` runs and
 * must exit 0, every config snippet marked `yaml config` must validate, every link to a file in
 * the repository must lead to one, every metric the monitor exports is in the operations page,
 * and nothing points outside the repository.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { Metrics } from '../../src/metrics.js';

const ROOT = process.cwd();
const PAGES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block { page: string; line: number; info: string; code: string }

/** Fenced blocks, also inside list items (indented): their text with the indent taken off. */
function blocks(page: string): Block[] {
  const lines = readFileSync(path.join(ROOT, page), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(\S.*)?$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    const end = lines.findIndex((l, j) => j > i && l === `${indent}\`\`\``);
    assert.ok(end > i, `${page}:${i + 1}: a code block that is never closed`);
    out.push({ page, line: i + 1, info: (open[2] ?? '').trim(), code: lines.slice(i + 1, end).map((l) => l.slice(indent.length)).join('\n') });
    i = end;
  }
  return out;
}

const all = PAGES.flatMap(blocks);

describe('docs: runnable examples', () => {
  const runnable = all.filter((b) => b.info === 'sh runnable');
  test('there are runnable examples (the marker is not misspelled away)', () => {
    assert.ok(runnable.length >= 3, `found ${runnable.length}`);
  });
  for (const b of runnable) {
    test(`${b.page}:${b.line} runs and exits 0`, () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'fm-docs-'));
      try {
        const r = spawnSync('bash', ['-eo', 'pipefail', '-c', b.code], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
  for (const b of all.filter((x) => x.info === 'yaml config')) {
    test(`${b.page}:${b.line} is a valid config`, () => {
      parseConfigText(b.code, `${b.page}:${b.line}`, {});
    });
  }
});

describe('docs: links and references', () => {
  test('every link to a file of the repository leads to one', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(path.join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^(?:https?|mailto):/.test(target)) continue;
        if (!existsSync(path.resolve(path.dirname(path.join(ROOT, page)), target))) broken.push(`${page}: ${m[1]}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test('nothing refers to files outside the repository', () => {
    for (const page of PAGES) {
      const text = readFileSync(path.join(ROOT, page), 'utf8');
      assert.doesNotMatch(text, /\.\.\/shared|foglet-upgrades\.md|DESIGN\.md/, page);
      assert.doesNotMatch(text, /\]\(\.\.\/\.\.\//, `${page}: a link above the repository`);
    }
  });

  test('every metric the monitor exports is described in docs/operations.md', async () => {
    const ops = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
    const names = (await new Metrics({ processMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name);
    assert.ok(names.length > 30);
    assert.deepEqual(names.filter((n) => !ops.includes(`\`${n}\``)), []);
  });
});
