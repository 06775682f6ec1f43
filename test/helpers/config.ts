import { validateConfig } from '../../src/config/load.js';
import type { Config, HttpCheckConfig } from '../../src/config/schema.js';

/** A validated http check config with test-friendly defaults. */
export function httpCheck(fields: Record<string, unknown>): HttpCheckConfig {
  const config = validateConfig({ checks: [{ name: 'up', kind: 'http', timeout: '2s', ...fields }] });
  return config.checks[0] as HttpCheckConfig;
}

export function config(fields: Record<string, unknown>): Config {
  return validateConfig(fields);
}
