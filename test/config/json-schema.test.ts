import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { configJsonSchema } from '../../src/config/json-schema.js';

const committed = JSON.parse(readFileSync('config/foglet-monitor.schema.json', 'utf8')) as Record<string, unknown>;

test('config/foglet-monitor.schema.json is the schema the code validates with (regenerate: foglet-monitor config schema)', () => {
  assert.deepEqual(committed, JSON.parse(JSON.stringify(configJsonSchema())));
});

test('example.yaml passes the JSON Schema, and typos and wrong types do not', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(committed);
  const example = YAML.parse(readFileSync('config/example.yaml', 'utf8')) as Record<string, unknown>;
  assert.ok(validate(example), JSON.stringify(validate.errors));
  assert.ok(!validate({ ...example, chekcs: [] }), 'an unknown top-level key');
  assert.ok(!validate({ checks: [{ name: 'up', kind: 'http', url: 'https://x/up', timeout: 5 }] }), 'a bare number for a duration');
  assert.ok(!validate({ checks: [{ name: 'up', kind: 'ftp' }] }), 'an unknown check kind');
  assert.ok(!validate({ alerts: { sinks: [{ name: 'x', kind: 'slack', url: 'https://hooks/x', severity: ['critical'] }] } }), 'severity for severities');
});
