/** The check kinds, by name: the one place a new kind is registered. */
import type { CheckConfig } from '../config/schema.js';
import { createAppMetricsProbe } from './app-metrics.js';
import { createHttpProbe } from './http.js';
import { createSshProbe } from './ssh.js';
import type { Probe, ProbeDeps } from './types.js';

export function createProbe(cfg: CheckConfig, deps: ProbeDeps): Probe {
  switch (cfg.kind) {
    case 'http':
      return createHttpProbe(cfg, deps);
    case 'ssh':
      return createSshProbe(cfg, deps);
    case 'app_metrics':
      return createAppMetricsProbe(cfg, deps);
  }
}
