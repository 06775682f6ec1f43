import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SINK_KINDS } from '../../../src/alerts/sinks/index.js';
import { SINK_SCHEMAS, SINK_CREDENTIAL_URLS } from '../../../src/alerts/sinks/schemas.js';
import { ConfigError, validateConfig } from '../../../src/config/load.js';

test('the registry, the schemas and the secret rules list the same sink kinds', () => {
  const kinds = SINK_SCHEMAS.map((s) => s.shape.kind.value).sort();
  assert.deepEqual(Object.keys(SINK_KINDS).sort(), kinds);
  assert.deepEqual(Object.keys(SINK_CREDENTIAL_URLS).sort(), kinds);
  for (const [kind, d] of Object.entries(SINK_KINDS)) assert.equal(d.kind, kind);
});

test('a sink of no known kind is refused, naming the field and every kind', () => {
  assert.throws(() => validateConfig({ alerts: { sinks: [{ name: 'x', kind: 'teams', url: 'https://example.net/hook' }] } }, 'monitor.yaml'),
    (e: unknown) => e instanceof ConfigError && /monitor\.yaml/.test(e.message) && /alerts\.sinks\[0\]\.kind/.test(e.message)
      && /webhook, slack, pagerduty, alertmanager, heartbeat/.test(e.message));
});
