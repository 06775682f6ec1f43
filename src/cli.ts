#!/usr/bin/env node
/**
 * The command line: commands and flags only. Each command calls into the parts
 * (config, checks, daemon, demo) and maps their outcome to an exit code:
 * 0 all good, 1 a check failed, 2 bad config or bad usage.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, formatPath, loadConfigFile, readBounded, validateConfig } from './config/load.js';
import { userLogRuleSchema } from './config/schema.js';
import { scanFile, scanStream, type ScanMatch } from './logs/scan.js';
import { pipelineSetup } from './logs/setup.js';
import { overrideProblems, packChecks } from './logs/packs.js';
import { severityRank, type Severity } from './signals.js';
import { Redactor, redactConfig } from './config/redact.js';
import type { Config } from './config/schema.js';
import type { PinnedKey } from './checks/ssh/hostkey.js';
import { parseDuration } from './schema/duration.js';
import { SECTIONS, StateStore, stateMap } from './state.js';
import { renderTable, seconds } from './cli/table.js';
import { registerSilenceCommands } from './cli/silence.js';
import { registerReleaseCommands } from './cli/release.js';
import { registerRulesCommands } from './cli/rules.js';
import type { LogFormat } from './log.js';
import { VERSION } from './version.js';

const DEFAULT_CONFIG = process.env.FOGLET_MONITOR_CONFIG ?? '/etc/foglet-monitor/config.yaml';

const configOption = () => new Option('-c, --config <file>', 'config file (env FOGLET_MONITOR_CONFIG)').default(DEFAULT_CONFIG);
const logFormatOption = () => new Option('--log-format <format>', 'log format: json, or pretty for people (default: pretty on a TTY)')
  .choices(['auto', 'json', 'pretty']);

/** Loads a config or exits 2 with every problem named. */
async function loadOrExit(file: string): Promise<Config> {
  try {
    return await loadConfigFile(file, process.env, packChecks);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** logs.* with a --rules file's rules added, checked as a config's are (a context the packs lack), or exit 2. */
async function logsWithRulesOrExit(logs: Config['logs'], file: string | undefined): Promise<Config['logs']> {
  if (!file) return logs;
  const merged = { ...logs, rules: [...logs.rules, ...await loadRulesFileOrExit(file)] };
  const problems = overrideProblems(merged).filter((p) => p.path[1] === 'rules' && Number(p.path[2]) >= logs.rules.length);
  if (problems.length === 0) return merged;
  const lines = problems.map((p) => `  ${file}: rules[${Number(p.path[2]) - logs.rules.length}].${String(p.path[3])}: ${p.message}`);
  process.stderr.write(`invalid rules file ${file}:\n${lines.join('\n')}\n`);
  process.exit(2);
}

/** A --rules file: `rules: [...]` validated like logs.rules, or exit 2 naming the problem. */
async function loadRulesFileOrExit(file: string) {
  try {
    // Bounded as a config is: at most 5 MB read, aliases expanded at most a few thousand times.
    const parsed = YAML.parse(await readBounded(file, 'a rules file'), { maxAliasCount: 5_000 }) as unknown;
    const result = z.strictObject({ rules: z.array(userLogRuleSchema) }).safeParse(parsed);
    if (result.success) return result.data.rules;
    const problems = result.error.issues.map((i) => `  ${file}: ${formatPath(i.path)}: ${i.message}`);
    process.stderr.write(`invalid rules file ${file}:\n${problems.join('\n')}\n`);
  } catch (e) {
    process.stderr.write(`invalid rules file ${file}: ${(e as Error).message}\n`);
  }
  process.exit(2);
}

const program = new Command('foglet-monitor')
  .description('Watches a Foglet BBS after every release: HTTP /up, the SSH login path, logs; exports Prometheus metrics.')
  .version(VERSION)
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(s) })
  .exitOverride((err) => {
    // Help and version are successes; any usage error exits 2, like a bad config.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program.command('run')
  .description('run the monitor until SIGTERM or SIGINT; SIGHUP reloads the config')
  .addOption(configOption())
  .addOption(logFormatOption())
  .option('--log-level <level>', 'log level (overrides log.level in the config)')
  .option('--listen <host:port>', 'address for /metrics, /status, /healthz (overrides listen in the config)')
  .action(async (opts: { config: string; logFormat?: LogFormat; logLevel?: string; listen?: string }) => {
    await loadOrExit(opts.config); // validate first, so a bad config exits 2 before anything starts
    // Heavy parts (fastify, ssh2, the terminal emulator) load only for the command that needs them.
    const { Daemon } = await import('./daemon.js');
    const daemon = await Daemon.start({ configPath: opts.config, logFormat: opts.logFormat, logLevel: opts.logLevel, listen: opts.listen });
    let signals = 0;
    const shutdown = (signal: string) => {
      if (++signals > 1) { daemon.logger.warn({ signal }, 'second signal: exiting now'); process.exit(1); }
      daemon.logger.info({ signal }, 'shutting down');
      void daemon.stop().then(() => process.exit(0), (e: unknown) => { daemon.logger.error({ err: e }, 'error while stopping'); process.exit(1); });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', () => {
      daemon.reload().catch((e: unknown) => daemon.logger.error({ err: (e as Error).message }, 'config reload failed'));
    });
  });

program.command('check')
  .description('run every check once and print the results; exit 0 if all passed, 1 if any failed, 2 on a config error')
  .addOption(configOption())
  .option('--json', 'one JSON object per line instead of a table')
  .action(async (opts: { config: string; json?: boolean }) => {
    const config = await loadOrExit(opts.config);
    const redactor = Redactor.fromConfig(config);
    const progress = process.stderr.isTTY && !opts.json;
    if (progress) process.stderr.write(`running ${config.checks.length} check(s)…\n`);
    // The state file's host-key pins hold here too: a one-shot check flags a changed key.
    const baseDir = path.dirname(path.resolve(opts.config));
    const state = new StateStore(path.resolve(baseDir, config.state_file), { warn: (o, msg) => process.stderr.write(`warning: ${msg}\n`) });
    await state.load();
    const { runChecksOnce } = await import('./checks/once.js');
    const results = await runChecksOnce(config, { baseDir, hostKeyPins: stateMap<PinnedKey>(state, SECTIONS.hostKeyPins), redact: (t) => redactor.redact(t) }, (r, done, total) => {
      if (progress) process.stderr.write(`  [${done}/${total}] ${r.check}: ${r.ok ? 'ok' : r.reason}\n`);
    });
    await state.flush();
    let out: string;
    if (opts.json) {
      out = results.map((r) => JSON.stringify({
        check: r.check, kind: r.kind, target: r.target, ok: r.ok, reason: r.reason ?? null,
        duration_seconds: r.duration_seconds, phases: r.phases, message: r.message ?? null,
        started_at: r.started_at, details: r.details ?? {},
      })).join('\n');
    } else {
      out = renderTable(['CHECK', 'KIND', 'TARGET', 'RESULT', 'DURATION', 'DETAIL'], results.map((r) => [
        r.check, r.kind, r.target, r.ok ? 'ok' : `FAIL ${r.reason ?? ''}`.trim(), seconds(r.duration_seconds), r.message ?? '',
      ]));
      const failed = results.filter((r) => !r.ok).length;
      out += `\n\n${results.length - failed} passed, ${failed} failed`;
    }
    if (out) process.stdout.write(`${redactor.redact(out)}\n`);
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  });

const configCmd = program.command('config').description('work with config files');
configCmd.command('check')
  .description('validate a config and print it resolved (defaults filled, ${ENV} expanded, secrets redacted)')
  .addOption(configOption())
  .action(async (opts: { config: string }) => {
    const config = await loadOrExit(opts.config);
    process.stderr.write(`${opts.config}: valid (${config.checks.length} check(s))\n`);
    process.stdout.write(YAML.stringify(redactConfig(config)));
  });
configCmd.command('schema')
  .description('print the config\'s JSON Schema (for editors: config/foglet-monitor.schema.json is this)')
  .action(async () => {
    const { configJsonSchema } = await import('./config/json-schema.js');
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

program.command('scan')
  .description('classify log files offline with the same rules as the daemon; exit 1 when a match reaches --fail-on')
  .argument('<files...>', 'log files, or - for standard input')
  .option('-c, --config <file>', 'take logs.* (rules, packs, overrides, restart_loop) from this config')
  .option('--rules <file>', 'extra rules: a YAML file with a list under "rules:"')
  .option('--json', 'one JSON object per match: source, line, category, rule, severity, text')
  .addOption(new Option('--fail-on <severity>', 'exit 1 when a match has this severity or higher').choices(['critical', 'warning', 'info']))
  .action(async (files: string[], opts: { config?: string; rules?: string; json?: boolean; failOn?: Severity }) => {
    const config = opts.config ? await loadOrExit(opts.config) : validateConfig({});
    const logs = await logsWithRulesOrExit(config.logs, opts.rules);
    let setup;
    try {
      setup = pipelineSetup(logs);
    } catch (e) {
      process.stderr.write(`foglet-monitor scan: ${(e as Error).message}\n`);
      process.exit(2);
    }
    const progress = process.stderr.isTTY === true;
    const all: ScanMatch[] = [];
    let lines = 0;
    let cut = 0;
    for (const file of files) {
      let summary;
      try {
        if (file === '-') summary = await scanStream(process.stdin, '-', setup);
        else {
          const size = (await stat(file)).size;
          summary = await scanFile(file, setup, progress ? (bytes) => {
            process.stderr.write(`\r${file}: ${Math.round((bytes / Math.max(size, 1)) * 100)}% (${Math.round(bytes / 1048576)} MiB)`);
          } : undefined);
          if (progress && size >= 64 * 1024 * 1024) process.stderr.write('\n');
        }
      } catch (e) {
        process.stderr.write(`foglet-monitor scan: cannot read ${file}: ${(e as Error).message}\n`);
        process.exit(2);
      }
      all.push(...summary.matches);
      lines += summary.lines;
      cut += summary.cut;
    }
    if (opts.json) {
      for (const m of all) process.stdout.write(`${JSON.stringify(m)}\n`);
    } else {
      if (all.length > 0) {
        process.stdout.write(renderTable(['SOURCE', 'LINE', 'SEVERITY', 'CATEGORY', 'RULE', 'TEXT'],
          all.map((m) => [m.source, String(m.line), m.severity, m.category, m.rule, m.text.split('\n')[0]!.slice(0, 160)])) + '\n\n');
      }
      const byCategory = new Map<string, number>();
      for (const m of all) byCategory.set(m.category, (byCategory.get(m.category) ?? 0) + 1);
      process.stdout.write(`${lines} lines, ${all.length} matches${cut ? `, ${cut} long lines cut` : ''}\n`);
      for (const [category, n] of [...byCategory].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${category.padEnd(20)} ${n}\n`);
    }
    if (opts.failOn && all.some((m) => severityRank(m.severity) >= severityRank(opts.failOn!))) process.exitCode = 1;
  });

program.command('hostkey')
  .description('print the SSH host key fingerprints a server offers, ready to paste into host_key')
  .argument('<host[:port]>', 'the board\'s SSH address (port 22 when not given)')
  .option('--timeout <duration>', 'time allowed per key type', '10s')
  .option('--json', 'one JSON object per key')
  .action(async (address: string, opts: { timeout: string; json?: boolean }) => {
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(address);
    const timeoutMs = parseDuration(opts.timeout);
    if (!m || timeoutMs === undefined) {
      process.stderr.write(`foglet-monitor hostkey: expected HOST[:PORT] and a duration, got ${JSON.stringify(address)} ${JSON.stringify(opts.timeout)}\n`);
      process.exit(2);
    }
    const host = m[1] ?? m[2]!;
    const port = Number(m[3] ?? 22);
    // Each handshake stops at the host key: no credential is sent.
    const { scanHostKeys } = await import('./checks/ssh/hostkey.js');
    const keys = await scanHostKeys(host, port, timeoutMs);
    if (keys.length === 0) {
      process.stderr.write(`${host}:${port} offered no host key of a known type\n`);
      process.exit(1);
    }
    if (opts.json) {
      process.stdout.write(keys.map((k) => JSON.stringify({ host, port, ...k })).join('\n') + '\n');
      return;
    }
    process.stdout.write(renderTable(['ALGORITHM', 'FINGERPRINT'], keys.map((k) => [k.algorithm, k.fingerprint])) + '\n\n');
    process.stdout.write(`# for the config (the monitor negotiates ${keys[0]!.algorithm} first):\nhost_key: "${keys[0]!.fingerprint}"\n`);
  });

program.command('verify')
  .description('watch a release for a window (checks, logs) and print Foglet\'s post-release checklist; exit 0 healthy or degraded, 1 failed')
  .addOption(configOption())
  .option('--window <duration>', 'how long to watch', '10m')
  .option('--interval <duration>', 'time between probe rounds (raised to respect Foglet\'s SSH rate limit)', '15s')
  .option('--since <time>', 'read logs from this ISO 8601 time (default: from now)')
  .option('--release <version>', 'the release being verified, for the report')
  .addOption(new Option('--format <format>', 'output').choices(['table', 'json', 'markdown']).default('table'))
  .action(async (opts: { config: string; window: string; interval: string; since?: string; release?: string; format: 'table' | 'json' | 'markdown' }) => {
    const windowMs = parseDuration(opts.window);
    const intervalMs = parseDuration(opts.interval);
    const since = opts.since === undefined ? undefined : Date.parse(opts.since);
    if (windowMs === undefined || intervalMs === undefined || (since !== undefined && Number.isNaN(since))) {
      process.stderr.write('foglet-monitor verify: expected durations for --window and --interval (10m, 15s) and an ISO 8601 time for --since\n');
      process.exit(2);
    }
    const config = await loadOrExit(opts.config);
    const redactor = Redactor.fromConfig(config);
    const { verifyRelease, reportMarkdown, reportTable } = await import('./release/verify.js');
    const tty = process.stderr.isTTY === true;
    const report = await verifyRelease({
      config, baseDir: path.dirname(path.resolve(opts.config)), windowMs, intervalMs, since, release: opts.release,
      onProgress: tty ? ({ leftMs, items, runs }) => {
        const ok = items.filter((i) => i.verdict === 'ok').length;
        const bad = items.filter((i) => i.verdict === 'failed' || i.verdict === 'degraded').length;
        process.stderr.write(`\rverify: ${ok}/${items.length} ok, ${bad} failing, ${runs} round(s), ${Math.ceil(leftMs / 1000)}s left   `);
      } : undefined,
    });
    if (tty) process.stderr.write('\n');
    const out = opts.format === 'json' ? JSON.stringify(report, null, 2)
      : opts.format === 'markdown' ? reportMarkdown(report) : reportTable(report, renderTable);
    process.stdout.write(`${redactor.redact(out)}\n`);
    process.exitCode = report.verdict === 'failed' ? 1 : 0;
  });

registerSilenceCommands(program);
registerReleaseCommands(program);
registerRulesCommands(program, {
  logsFor: async (opts) => {
    const config = opts.config ? await loadOrExit(opts.config) : validateConfig({});
    return logsWithRulesOrExit(config.logs, opts.rules);
  },
});

program.command('demo')
  .description('start a fake Foglet board on loopback and the monitor pointed at it')
  .option('--listen <host:port>', 'address for the monitor\'s /status and /metrics', '127.0.0.1:9477')
  .option('--board-port <port>', 'HTTP port of the fake board (0 picks a free one)', '0')
  .addOption(logFormatOption())
  .action(async (opts: { listen: string; boardPort: string; logFormat?: LogFormat }) => {
    const { startDemo } = await import('./demo/run.js');
    const demo = await startDemo({ listen: opts.listen, boardPort: Number(opts.boardPort), logFormat: opts.logFormat });
    const base = `http://${demo.daemon.address}`;
    process.stderr.write([
      '',
      'foglet-monitor demo is running.',
      `  fake Foglet board   ${demo.board.httpUrl}/up  and  ssh -p ${demo.board.ssh.address.port} ${demo.board.ssh.address.host}`,
      `  status page         ${base}/`,
      `  monitor status      ${base}/status  (JSON)`,
      `  monitor metrics     ${base}/metrics`,
      `  the board's metrics ${demo.board.metricsUrl}`,
      `  monitor health      ${base}/healthz`,
      `  the board's log     ${demo.board.log?.file ?? ''}  (watched by the monitor)`,
      '',
      'Break the board and watch the monitor notice (none mends it):',
      `  curl -X POST '${demo.board.httpUrl}/_demo/fault?ssh=rate_limited'`,
      `  curl -X POST '${demo.board.httpUrl}/_demo/fault?http=status_500&ssh=none'`,
      `  curl -X POST '${demo.board.httpUrl}/_demo/fault?app=restart'`,
      `  curl -X POST '${demo.board.httpUrl}/_demo/fault?log=migration'   # or db, missing_secret, host_key, smtp, restart_loop`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n');
    const stop = () => { void demo.stop().then(() => process.exit(0)); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`foglet-monitor: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
