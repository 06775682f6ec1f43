/** `hostkey`: the host key fingerprints an SSH server offers, ready for host_key. */
import { Command } from 'commander';
import { parseDuration } from '../schema/duration.js';
import { parseHostPort } from '../schema/host-port.js';
import { renderTable } from './table.js';

export function registerHostkeyCommand(program: Command): void {
  program.command('hostkey')
    .description('print the SSH host key fingerprints a server offers, ready to paste into host_key')
    .argument('<host[:port]>', 'the board\'s SSH address (port 22 when not given)')
    .option('--timeout <duration>', 'time allowed per key type', '10s')
    .option('--json', 'one JSON object per key')
    .action(async (address: string, opts: { timeout: string; json?: boolean }) => {
      const target = parseHostPort(address);
      const timeoutMs = parseDuration(opts.timeout);
      // Each mistake named on its own: the default timeout is no argument of the user's.
      if (!target) {
        process.stderr.write(`foglet-monitor hostkey: expected HOST or HOST:PORT (a port from 1 to 65535), got ${JSON.stringify(address)}\n`);
        process.exit(2);
      }
      if (timeoutMs === undefined) {
        process.stderr.write(`foglet-monitor hostkey: --timeout: expected a duration such as 10s or 500ms, got ${JSON.stringify(opts.timeout)}\n`);
        process.exit(2);
      }
      const { host, port = 22 } = target;
      // Each handshake stops at the host key: no credential is sent.
      const { scanHostKeys } = await import('../checks/ssh/hostkey.js');
      const keys = await scanHostKeys(host, port, timeoutMs);
      if (keys.length === 0) {
        const { identifyServer } = await import('../checks/ssh/hostkey.js');
        const answer = await identifyServer(host, port, Math.min(timeoutMs, 5000));
        process.stderr.write(/^it answered "SSH-/.test(answer)
          ? `${host}:${port} is an SSH server (${answer}) but offered no host key of a type the monitor knows\n`
          : `${host}:${port} is not an SSH server, or not one that answers: ${answer}\n`);
        process.exit(1);
      }
      if (opts.json) {
        process.stdout.write(keys.map((k) => JSON.stringify({ host, port, ...k })).join('\n') + '\n');
        return;
      }
      process.stdout.write(renderTable(['ALGORITHM', 'FINGERPRINT'], keys.map((k) => [k.algorithm, k.fingerprint])) + '\n\n');
      process.stdout.write(`# for the config (the monitor negotiates ${keys[0]!.algorithm} first):\nhost_key: "${keys[0]!.fingerprint}"\n`);
    });
}
