/** `kind: ssh`: the SSH login path to Foglet's first screen, host key pinned. */
import { z } from 'zod';
import { linearRegexProblem } from '../../linear-regex.js';
import { checkCommon, cronSchedule, degradedAfter, degradedBelowTimeout, duration } from '../../schema/fields.js';

const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'expected an OpenSSH fingerprint such as "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"');

/** A plain string is found anywhere on the rendered screen; "/.../flags" is a regular expression. */
const screenPattern = z.string().min(1).refine(
  (s) => screenPatternProblem(s) === undefined,
  { error: (iss) => `expected text, or a regular expression written /.../flags, got ${JSON.stringify(iss.input)}: ${screenPatternProblem(String(iss.input))}` },
);
function screenPatternProblem(s: string): string | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(s);
  return m ? linearRegexProblem(m[1]!, m[2]) : undefined;
}

export const SSH_PHASE_KEYS = ['connect', 'handshake', 'auth', 'session', 'screen'] as const;

export const sshCheckSchema = z.strictObject({
  ...checkCommon,
  // Foglet shares a 10-per-minute channel budget per IP (through Fly's proxy, with
  // every caller): one probe every 30 s uses 2 of it.
  schedule: cronSchedule.default('*/30 * * * * *'),
  timeout: duration({ min: '100ms', max: '5m' }).prefault('20s'),
  kind: z.literal('ssh'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  /** Foglet ignores the SSH user name; OpenSSH servers do not. */
  username: z.string().min(1).default('probe'),
  /** OpenSSH or PEM private key (ed25519, ecdsa, RSA). Neither this nor private_key: an ephemeral key, a guest. */
  private_key_file: z.string().min(1).optional(),
  /** The key itself, usually "${FOGLET_PROBE_KEY}". */
  private_key: z.string().min(1).optional(),
  passphrase: z.string().optional(),
  /** The pin: one fingerprint or a list (rotation); "tofu" pins the first key seen; "any" does not pin. */
  host_key: z.union([z.enum(['tofu', 'any']), fingerprint, z.array(fingerprint).min(1)], {
    error: (iss) => iss.code === 'invalid_union' ? 'expected "tofu", "any", a "SHA256:..." fingerprint or a list of them' : undefined,
  }).default('tofu'),
  /** Host key algorithms to offer, in order; ssh2's defaults when unset. Pin the key of the first one the server has. */
  host_key_algorithms: z.array(z.string().min(1)).min(1).optional(),
  terminal: z.strictObject({
    cols: z.number().int().min(20).max(500).default(100),
    rows: z.number().int().min(5).max(200).default(30),
    term: z.string().min(1).default('xterm-256color'),
  }).prefault({}),
  expect_screen: screenPattern,
  /** The in-TUI password login: wait for prompt, press key, fill Handle and Password, expect expect_screen. */
  login: z.strictObject({
    handle: z.string().min(1),
    password: z.string().min(1),
    prompt: screenPattern.default('L Login'),
    key: z.string().min(1).default('L'),
    form: screenPattern.default('Handle:'),
  }).optional(),
  /** Keys sent after the screen matched, before the channel is closed (Foglet's home screen: "q"). */
  quit_keys: z.string().default(''),
  /** The most a server may send before the screen matches: a flood fails the probe, it does not stall it. */
  max_output_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Optional per-phase budgets inside the overall timeout. */
  phase_timeouts: z.strictObject(Object.fromEntries(SSH_PHASE_KEYS.map((k) => [k, duration({ min: '10ms', max: '5m' }).optional()])) as
    Record<(typeof SSH_PHASE_KEYS)[number], z.ZodOptional<ReturnType<typeof duration>>>).prefault({}),
  degraded_after: degradedAfter(SSH_PHASE_KEYS),
}).superRefine((c, ctx) => {
  if (c.private_key && c.private_key_file) {
    ctx.addIssue({ code: 'custom', path: ['private_key'], message: 'set private_key or private_key_file, not both' });
  }
  degradedBelowTimeout(c, ctx);
});

export type SshCheckConfig = z.output<typeof sshCheckSchema>;
