/**
 * A real OTP `:ssh` daemon, Foglet's own SSH server, from a few lines of escript (Debian's
 * erlang-base and erlang-ssh; `.ci/run` installs them): only an ed25519 host key, as Foglet
 * generates, and its log written as Foglet's (`HH:MM:SS.mmm [level] message`, OTP's reports
 * unindented after their first line, as Elixir's Logger prints them) to a file a monitor can
 * tail. Tests skip with a clear message where escript is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.js';

export const ESCRIPT = ['/usr/bin/escript', '/usr/local/bin/escript'].find((p) => existsSync(p));

const BOARD = `#!/usr/bin/env escript
-module(otp_ssh_board).
-mode(compile).
-export([main/1, format/2]).
main([SysDir, LogFile]) ->
    ok = logger:set_primary_config(level, info),
    ok = logger:remove_handler(default),
    ok = logger:add_handler(board, logger_std_h, #{config => #{file => LogFile}, formatter => {?MODULE, #{}},
                                                   filters => [{progress, {fun logger_filters:progress/2, stop}}]}),
    {ok, _} = application:ensure_all_started(ssh),
    {ok, Ref} = ssh:daemon(0, [{system_dir, SysDir}, {auth_methods, "password"}, {password, "x"}, {ip, {127,0,0,1}}]),
    {ok, Info} = ssh:daemon_info(Ref),
    io:format("listening ~p~n", [proplists:get_value(port, Info)]),
    receive stop -> ok end.

format(#{level := Level, meta := #{time := T}} = Event, _) ->
    Msg = logger_formatter:format(Event, #{template => [msg], single_line => false}),
    {_, {H, Mi, S}} = calendar:system_time_to_universal_time(T, microsecond),
    Ms = (T div 1000) rem 1000,
    io_lib:format("~2..0B:~2..0B:~2..0B.~3..0B [~s] ~ts~n", [H, Mi, S, Ms, Level, Msg]).
`;

export interface OtpBoard {
  port: number;
  dir: string;
  /** The daemon's log, as Foglet's. */
  logFile: string;
  /** The ed25519 host key OTP reads on every connection: delete it and each connection is reset. */
  hostKeyFile: string;
  stop(): Promise<void>;
}

export async function startOtpBoard(): Promise<OtpBoard> {
  if (!ESCRIPT) throw new Error('escript is not installed (apt-get install erlang-base erlang-ssh)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-otp-'));
  const hostKeyFile = path.join(dir, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile], { stdio: 'ignore' });
  writeFileSync(path.join(dir, 'board.escript'), BOARD);
  const logFile = path.join(dir, 'board.log');
  writeFileSync(logFile, '');
  const child = spawn(ESCRIPT, [path.join(dir, 'board.escript'), dir, logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d; });
  child.stderr.on('data', (d: Buffer) => { out += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGKILL'); // the VM keeps nothing worth a clean stop
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`the OTP daemon exited: ${out}`);
      return Number(/listening (\d+)/.exec(out)?.[1] ?? 0);
    }, 'the OTP ssh daemon to listen', 20_000, 50);
    return { port, dir, logFile, hostKeyFile, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
