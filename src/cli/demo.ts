/** `demo`: the fake board on loopback and the monitor pointed at it. */
import { Command } from 'commander';
import type { LogFormat } from '../log.js';

import { logFormatOption } from './options.js';

export function registerDemoCommand(program: Command): void {
  program.command('demo')
    .description('start a fake Foglet board on loopback and the monitor pointed at it')
    .option('--listen <host:port>', 'address for the monitor\'s /status and /metrics', '127.0.0.1:9477')
    .option('--board-port <port>', 'HTTP port of the fake board (0 picks a free one)', '0')
    .addOption(logFormatOption())
    .action(async (opts: { listen: string; boardPort: string; logFormat?: LogFormat }) => {
      const { startDemo } = await import('../demo/run.js');
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
}
