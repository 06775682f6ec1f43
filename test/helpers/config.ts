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

/** A validated ssh check config with test-friendly defaults. */
export function sshCheck(fields: Record<string, unknown>): import('../../src/config/schema.js').SshCheckConfig {
  const config = validateConfig({ checks: [{ name: 'ssh', kind: 'ssh', host: '127.0.0.1', timeout: '5s', host_key: 'any', ...fields }] });
  return config.checks[0] as import('../../src/config/schema.js').SshCheckConfig;
}
