/**
 * The check kinds' config schemas, for the config loader: only the schemas, so that loading a
 * config (`scan`, `config check`) does not load any probe's code (ssh2, the terminal emulator).
 * checks/index.ts lists the kinds themselves; a test holds both lists to the same kinds.
 */
import { z } from 'zod';
import { kindUnion } from '../schema/fields.js';
import { appMetricsCheckSchema } from './app-metrics/schema.js';
import { httpCheckSchema } from './http/schema.js';
import { sshCheckSchema } from './ssh/schema.js';

export const CHECK_SCHEMAS = [httpCheckSchema, sshCheckSchema, appMetricsCheckSchema] as const;

/** The config schema of a check of a built-in kind, chosen by its `kind`. */
export const checkSchema = kindUnion(CHECK_SCHEMAS);

/** A check's config, whichever kind it is. */
export type CheckConfig = z.output<typeof checkSchema>;
export type CheckKind = CheckConfig['kind'];
export type { HttpCheckConfig } from './http/schema.js';
export type { SshCheckConfig } from './ssh/schema.js';
export type { AppMetricsCheckConfig } from './app-metrics/schema.js';
