/**
 * The check kinds: the one place a kind is registered. A new kind is a folder under
 * checks/ with its descriptor (types.ts, CheckKindDescriptor) and one entry in CHECK_KINDS.
 */
import { z } from 'zod';
import { appMetricsCheck } from './app-metrics/index.js';
import { httpCheck } from './http/index.js';
import { sshCheck } from './ssh/index.js';
import type { CheckConfigBase, CheckKindDescriptor, Probe, ProbeDeps } from './types.js';

export const CHECK_KINDS = [httpCheck, sshCheck, appMetricsCheck] as const;

type Kinds = typeof CHECK_KINDS;
/** A check's config, whichever kind it is. */
export type CheckConfig = z.output<Kinds[number]['schema']>;
export type CheckKind = CheckConfig['kind'];
export type { HttpCheckConfig } from './http/schema.js';
export type { SshCheckConfig } from './ssh/schema.js';
export type { AppMetricsCheckConfig } from './app-metrics/schema.js';

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

function kindError(names: string[]) {
  return (iss: { code: string }) => iss.code === 'invalid_union' ? `expected kind to be one of: ${names.join(', ')}` : undefined;
}

export const checkKinds = new CheckRegistry(CHECK_KINDS);

/** The config schema of a check of a built-in kind. */
export const checkSchema = checkKinds.schema() as z.ZodType<CheckConfig, unknown>;

export function createProbe(cfg: CheckConfigBase, deps: ProbeDeps): Probe {
  return checkKinds.create(cfg, deps);
}
