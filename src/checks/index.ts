/**
 * The check kinds: where a kind is registered. A new kind is a folder under checks/ with its
 * descriptor (types.ts, CheckKindDescriptor), an entry in CHECK_KINDS, and its schema in
 * schemas.ts (kept apart so that loading a config loads no probe code; a test holds the two
 * lists to the same kinds).
 */
import { z } from 'zod';
import { appMetricsCheck } from './app-metrics/index.js';
import { httpCheck } from './http/index.js';
import { sshCheck } from './ssh/index.js';
import { kindError } from '../schema/fields.js';
import type { CheckConfigBase, CheckKindDescriptor, Probe, ProbeDeps } from './types.js';

export const CHECK_KINDS = [httpCheck, sshCheck, appMetricsCheck] as const;

export type { CheckConfig, CheckKind, HttpCheckConfig, SshCheckConfig, AppMetricsCheckConfig } from './schemas.js';

/** A set of kinds, looked up by name: the daemon's is CHECK_KINDS; a test may add its own. */
export class CheckRegistry {
  private readonly byKind: Map<string, CheckKindDescriptor>;

  constructor(readonly kinds: readonly CheckKindDescriptor<any>[]) { // eslint-disable-line @typescript-eslint/no-explicit-any
    this.byKind = new Map(kinds.map((k) => [k.kind, k as CheckKindDescriptor]));
  }

  get(kind: string): CheckKindDescriptor {
    const found = this.byKind.get(kind);
    if (!found) throw new Error(`no check kind ${JSON.stringify(kind)} (known: ${this.names().join(', ')})`);
    return found;
  }

  names(): string[] {
    return [...this.byKind.keys()];
  }

  /** The config schema of a check of any of these kinds, chosen by its `kind`. */
  schema(): z.ZodType<CheckConfigBase, unknown> {
    const schemas = this.kinds.map((k) => k.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
    return z.discriminatedUnion('kind', schemas, { error: kindError(this.names()) }) as unknown as z.ZodType<CheckConfigBase, unknown>;
  }

  create(config: CheckConfigBase, deps: ProbeDeps): Probe {
    return this.get(config.kind).create(config, deps);
  }
}

export const checkKinds = new CheckRegistry(CHECK_KINDS);

export function createProbe(cfg: CheckConfigBase, deps: ProbeDeps): Probe {
  return checkKinds.create(cfg, deps);
}
