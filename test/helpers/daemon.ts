/**
 * The monitor in-process, the one way the tests start it: on a port of its own choosing
 * (never a port picked and handed over), its log kept in memory for the test to read. The
 * other way is the child process, as users run it (monitor.ts).
 */
import type { Config } from '../../src/config/schema.js';
import { Daemon } from '../../src/daemon.js';
import { LogSink } from './sink.js';

export async function startDaemon(opts: ({ config: Config } | { configPath: string }) & { logs?: LogSink; logLevel?: string }): Promise<Daemon> {
  const { logs, ...rest } = opts;
  return Daemon.start({ ...rest, listen: '127.0.0.1:0', logDestination: logs ?? new LogSink() });
}
