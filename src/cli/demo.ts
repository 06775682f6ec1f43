/** `demo`: the fake board on loopback and the monitor pointed at it. */
import { Command } from 'commander';
import type { LogFormat } from '../log.js';
import type { RunningDemo } from '../demo/run.js';

import { logFormatOption } from './options.js';

export function registerDemoCommand(program: Command): void {
  program.command('demo')
    .description('start a fake Foglet board on loopback and the monitor pointed at it')
    .option('--listen <host:port>', 'address for the monitor\'s /status and /metrics', '127.0.0.1:9477')
    .option('--board-port <port>', 'HTTP port of the fake board (0 picks a free one)', '0')
    .option('--state <dir>', 'keep the demo\'s state (alerts, silences, pins) in this folder between runs (default: a fresh folder each run)')
    .addOption(logFormatOption())
    .action(async (opts: { listen: string; boardPort: string; state?: string; logFormat?: LogFormat }) => {
      const { startDemo, DEMO_GRACE, DEMO_SLOW_SCREEN } = await import('../demo/run.js');
      const demo = await startDemo({ listen: opts.listen, boardPort: Number(opts.boardPort), logFormat: opts.logFormat, stateDir: opts.state });
      process.stderr.write(`${demoBanner(demo, { grace: DEMO_GRACE, slowScreen: DEMO_SLOW_SCREEN })}\n`);
      const stop = () => { void demo.stop().then(() => process.exit(0)); };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

/** What the demo prints: where to look, how to break the board and what the monitor will say, and commands to paste. */
export function demoBanner(demo: RunningDemo, opts: { grace: string; slowScreen: string }): string {
  const base = `http://${demo.daemon.address}`;
  const board = demo.board.httpUrl;
  const { host, port } = demo.board.ssh.address;
  const fault = (q: string, breaks: string, says: string) => `  curl -X POST '${board}/_demo/fault?${q}'\n      ${breaks}\n      -> ${says}`;
  const cli = 'node dist/src/cli.js';
  return [
    '',
    'foglet-monitor demo is running.',
    `  status page         ${base}/`,
    `  monitor status      ${base}/status  (JSON)      metrics  ${base}/metrics`,
    `  the fake board      ${board}/up   its metrics ${demo.board.metricsUrl}`,
    `  the board's log     ${demo.board.log?.file ?? ''}  (watched by the monitor)`,
    `  log in as a guest   ssh -i ${demo.guest.keyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${demo.guest.knownHosts} -p ${port} guest@${host}`,
    `  the demo's state    ${demo.stateDir}  ${demo.freshState ? '(this run\'s own, removed when it stops; --state DIR keeps one)' : '(kept between runs: --state)'}`,
    '',
    `A boot seen in the board's log opens a deploy window: for ${opts.grace} after it (5m by default) a`,
    'failing check waits before it pages, because every deploy restarts the board. The demo\'s board has',
    'just booted: a fault now shows as pending ("deploy window open until ...") and pages when the window closes.',
    '',
    'Break the board (each: what it breaks, then what the monitor says):',
    fault('ssh=rate_limited', 'SSH answers "Rate limit exceeded. Try again later." instead of the board',
      'ssh-guest and ssh-login fail with reason rate_limited; FogletCheckFailing fires after 2 runs'),
    fault('ssh=session_rejected', 'the SSH session closes with nothing drawn (what a database outage does to Foglet)',
      'the SSH checks fail with reason session_rejected'),
    fault('ssh=slow_screen', 'the login screen takes 3s to draw',
      `the SSH checks pass but are slow (screen over ${opts.slowScreen}): FogletCheckSlow, a warning`),
    fault('http=status_500', '/up answers 500', 'up fails with reason http_status; SSH still works, so only up alerts'),
    fault('app=restart', 'the board\'s own counters reset, as after a restart', 'app-metrics sees the restart (a boot: the deploy window opens)'),
    fault('log=migration', 'a failed migration is written to the board\'s log (also: db, missing_secret, host_key, host_key_dir, smtp, restart_loop)',
      'FogletLogRule, category migration_failure, with the log lines as evidence; it pages at once, window or not'),
    `  curl -X POST '${board}/_demo/fault?reset'`,
    '      mends every lasting fault (log lines stay written; their alerts clear after the rule\'s quiet_for)',
    '',
    'Try the write API (silences, release marks) and verify with this run\'s token:',
    `  export FOGLET_MONITOR_API_TOKEN=${demo.apiToken}`,
    `  ${cli} silence add check=ssh-login -d 10m --comment "trying the demo" --url ${base}`,
    `  ${cli} release start v2 --url ${base} && ${cli} release finish v2 --url ${base}`,
    `  ${cli} verify -c ${demo.configFile} --window 30s`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
