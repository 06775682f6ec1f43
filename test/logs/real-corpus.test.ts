/**
 * The rule pack measured on real log events nobody here wrote (test/fixtures/real-corpus/:
 * library output as pasted in public issues, each case with its source): recall per
 * category at least RECALL_FLOOR and healthy events flagged at most FALSE_ALARM_CEILING,
 * in every format Foglet's logs take.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { scanSetup } from '../../src/logs/scan.js';
import { CORPUS_FORMATS, describeScore, loadCorpus, scoreCorpus } from '../helpers/corpus.js';

const RECALL_FLOOR = 0.95;
const FALSE_ALARM_CEILING = 0.02;

const corpus = loadCorpus();

for (const format of CORPUS_FORMATS) {
  test(`real-world corpus (${format}): recall per category >= ${RECALL_FLOOR}, false alarms <= ${FALSE_ALARM_CEILING}`, async (t) => {
    const score = await scoreCorpus(corpus, scanSetup(validateConfig({}).logs), format);
    for (const line of describeScore(score)) t.diagnostic(line);
    const low = [...score.categories].filter(([, c]) => c.found / c.expected < RECALL_FLOOR).map(([cat]) => cat);
    const falseAlarmRate = score.healthy.flagged / score.healthy.total;
    assert.deepEqual(low, [], `categories under the floor; misses:\n${score.misses.join('\n')}`);
    assert.ok(falseAlarmRate <= FALSE_ALARM_CEILING, `false alarms ${falseAlarmRate.toFixed(3)}:\n${score.falseAlarms.join('\n')}`);
  });
}
