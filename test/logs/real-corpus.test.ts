/**
 * The rule pack measured on real log events nobody here wrote (test/fixtures/real-corpus/:
 * library output as pasted in public issues, each case with its source): recall per
 * category at least RECALL_FLOOR and healthy events flagged at most FALSE_ALARM_CEILING,
 * in every format Foglet's logs take.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { pipelineSetup } from '../../src/logs/setup.js';
import { CORPUS_FORMATS, describeScore, loadCorpus, scoreCorpus } from '../helpers/corpus.js';

const RECALL_FLOOR = 0.95;
const FALSE_ALARM_CEILING = 0.02;

const corpus = loadCorpus();

for (const format of CORPUS_FORMATS) {
  test(`real-world corpus (${format}): recall per category >= ${RECALL_FLOOR}, false alarms <= ${FALSE_ALARM_CEILING}`, async (t) => {
    const score = await scoreCorpus(corpus, pipelineSetup(validateConfig({}).logs), format);
    for (const line of describeScore(score)) t.diagnostic(line);
    const low = [...score.categories].filter(([, c]) => c.found / c.expected < RECALL_FLOOR).map(([cat]) => cat);
    const falseAlarmRate = score.healthy.flagged / score.healthy.total;
    assert.deepEqual(low, [], `categories under the floor; misses:\n${score.misses.join('\n')}`);
    assert.ok(falseAlarmRate <= FALSE_ALARM_CEILING, `false alarms ${falseAlarmRate.toFixed(3)}:\n${score.falseAlarms.join('\n')}`);
  });
}

/**
 * A second corpus, gathered from other sources after the pack was written and measured once
 * before any rule looked at it (recall 0.74 overall, false alarms 0 of 36; the pack before
 * this work: 0.30). Rules were then improved where a miss was a library's real wording; what
 * it still misses is vague (a bare "GenServer terminating", SQLite's errors, a migration that
 * fails without an SQL error). The floor here keeps it from going back.
 */
heldOut('held-out corpus', 'test/fixtures/real-corpus-holdout', 0.9);

/**
 * A third corpus (81 events, sources neither other corpus used), measured once before any rule
 * saw it: recall 0.62 overall, no false alarm in 31 (0.67 after two rules for library strings it
 * showed: ecto_sql's "Could not update schema migrations", init's "could not start kernel pid").
 * Its misses are partly out of Foglet's world (OpenSSH's sshd, Postfix's own log, Node apps on
 * Fly) and partly real gaps (an Erlang app's "Missing DATABASE_URL", a bare GenServer crash).
 * The next session learned from it (a migration's file name, Postgres shutting down, an app's
 * own "Missing X_Y", OpenSSH's host-key lines, gen_smtp's crash frames, a supervisor giving up,
 * lager's application exit): 0.92, no false alarm; it is no longer unseen. Still missed: a
 * poolboy-era checkout timeout and Postfix's server-side log (not a Foglet log).
 */
heldOut('second held-out corpus', 'test/fixtures/real-corpus-holdout-2', 0.9);

/** A corpus no rule was written from: recall over all categories at least `floor`, and few false alarms. */
function heldOut(name: string, dir: string, floor: number): void {
  test(`${name}: recall over all categories >= ${floor}, false alarms <= ${FALSE_ALARM_CEILING}`, async (t) => {
    const score = await scoreCorpus(loadCorpus(dir), pipelineSetup(validateConfig({}).logs), 'pasted');
    for (const line of describeScore(score)) t.diagnostic(line);
    const all = [...score.categories.values()].reduce((acc, c) => ({ expected: acc.expected + c.expected, found: acc.found + c.found }), { expected: 0, found: 0 });
    assert.ok(all.found / all.expected >= floor, `recall ${(all.found / all.expected).toFixed(2)}; misses:\n${score.misses.join('\n')}`);
    assert.ok(score.healthy.flagged / score.healthy.total <= FALSE_ALARM_CEILING, score.falseAlarms.join('\n'));
  });
}

/**
 * A fourth corpus (105 events from 95 sources no other corpus used, gathered by a helper that
 * never saw the rules), measured once before any rule looked at it: recall 0.45 over all
 * categories (migration_failure 5/14, db_connection 11/15, missing_secret 1/13, crash 12/18,
 * ssh_host_key 7/13, smtp 2/12) and 1 false alarm in 29 healthy events (DBConnection's "client
 * exited", which the pool handles). A third of its failures come from other stacks (Rails, PHP,
 * Django, Swift, Node, dropbear). Rules were then added where a miss was a library's or a
 * runtime's own wording (Ecto's logged DDL commands and runner supervisor, PostgreSQL 15's schema
 * privilege, CONCURRENTLY in a transaction, the database unreachable while migrating, Fly's
 * release command, Application.fetch_env!, dropbear and sshd, Bamboo's API errors, SMTP enhanced
 * status codes, the BEAM's allocation failure): 0.82, no false alarm; it is no longer unseen.
 * A review then narrowed two of those rules to what is a failure (sshd's "Could not load host
 * key" for one key type of several, one address family of two taken, a schema privilege at run
 * time): 0.80.
 * The first corpus labels the same "client exited" line db_connection (postgrex#680): both
 * sources say it follows an application crash upstream, which is logged and matched on its own.
 */
heldOut('third held-out corpus', 'test/fixtures/real-corpus-holdout-3', 0.8);

/**
 * The fourth held-out corpus, the fifth in all (116 events from sources no other corpus used, gathered by two helpers that
 * never saw the rules, one for migrations, the database and secrets, one for SSH, mail and
 * crashes), measured once before any rule looked at it: recall 0.52 over all categories
 * (migration_failure 7/14, db_connection 12/16, missing_secret 8/14, crash 15/23, ssh_host_key
 * 3/13, smtp 4/15) and 1 false alarm in 32 healthy events (DBConnection's `disconnect_all
 * requested`, logged at info). Rules were then added where a miss was a library's or a runtime's
 * own wording (an exception while migrating, a stack through ecto_sql's runner, DBConnection's
 * connect failure for any driver, a read-only Postgres, Plug's secret_key_base check, a release
 * without its COOKIE or prod.secret.exs, OpenSSH's unloadable host keys as a warning, dropbear's
 * key generation, systemd failing sshd, a Swoosh adapter's deliver, a plain 535, an
 * application_master crash, a failed NIF on_load), and an untimed line read from history is now
 * judged in its log's context: 0.78, no false alarm; it is no longer unseen. A try-to-break
 * helper then found real healthy text those rules flagged (part-c-trials.yaml: sshd naming key
 * files a host never made, then listening, wodby/php#76; an AUTH mechanism refused and another
 * used, corecode/dma#54) and two misses (dropbear unable to move its new key into place, a bad
 * value in runtime.exs outside a release). A host key that is not there and one that cannot be
 * used print the same "Could not load host key" on older OpenSSH, so that line no longer counts;
 * "Invalid authentication mechanism" is the client's to fall back from (gen_smtp tries the next
 * mechanism): 0.72 with the trials, no false alarm in 35. Its misses are mostly other stacks'
 * mail errors (Ruby, Python, Java, SendGrid callbacks, a Postfix relay), OpenSSH lines that say
 * nothing of the outcome, and text with no library wording (an app's own config check, Nomad's
 * event table). The floor was lowered with that trade (0.75 to 0.7), in the open: a held-out floor
 * that moves with the rules guards less, so the next rule change is measured on a new corpus first.
 */
heldOut('fourth held-out corpus', 'test/fixtures/real-corpus-holdout-4', 0.7);


/**
 * The fifth held-out corpus (122 events from 114 sources no other corpus used, gathered by two
 * helpers that never saw the rules), measured once before any rule looked at it: recall 0.45 over
 * all categories (migration_failure 9/13, db_connection 8/13, missing_secret 5/12, crash 12/23,
 * ssh_host_key 1/15, smtp 6/15) and no false alarm in 37 healthy events. Both helpers found the
 * real Elixir and OTP text of public issues mostly used up by the corpora before it: half its
 * SSH and mail failures come from other servers (Apache MINA, Go's x/crypto/ssh, dropbear,
 * libssh, sendmail, OpenSMTPD, Exim). Rules were then added where a miss was a library's or a
 * runtime's own wording (DBConnection.ConnectionError as error trackers print it, a Postgrex
 * notification connection timing out, Postgrex's missing :database option, Guardian's missing
 * secret, ecto_sql's missing migrations directory, net_kernel's "Can't set long node name!",
 * the kernel's OOM killer and a BEAM segfault, Nomad's failed deployment on Fly, Win32-OpenSSH's
 * too-open host key, an app's "error sending email"): 0.63, no false alarm in this or any other
 * corpus. It is no longer unseen.
 */
heldOut('fifth held-out corpus', 'test/fixtures/real-corpus-holdout-5', 0.6);

/**
 * The sixth held-out corpus (110 events from sources no other corpus used, gathered by two helpers
 * that never saw the rules), measured once before any rule looked at it: recall 0.66 over all
 * categories (migration_failure 10/16, db_connection 11/15, missing_secret 6/14, crash 13/14,
 * ssh_host_key 10/13, smtp 6/13) and no false alarm in 30 healthy events. The helpers found real
 * OTP `:ssh` text of public issues used up by the corpora before it (two of its SSH events are
 * reconstructed from a library's format strings, and say so). Rules were then added where a miss
 * was a library's or a server's own wording: PostgreSQL's log of a refused schema change
 * (STATEMENT: CREATE ...) and of a refused client (FATAL:  password authentication failed ...),
 * ALTER COLUMN TYPE without USING, a missing extension's control file, env!/2's and Vapor's
 * unset variable, a zod check of the environment, Mua's errors, gen_smtp's function clause, the
 * SSH child's eaddrinuse on the next line: 0.79, no false alarm in this or any other corpus.
 * Its misses: other stacks' own words (Metabase, asyncpg, a PHP app's "Database Check Error",
 * Postfix relays timing out, Postal, Exim), an old error_logger tuple, and OpenSSH's "Could not
 * load host key" (dropped on purpose: see the fourth corpus). It is no longer unseen.
 */
heldOut('sixth held-out corpus', 'test/fixtures/real-corpus-holdout-6', 0.75);

/**
 * The seventh held-out corpus (113 events from 112 sources no other corpus used, 87 failure labels
 * and 29 healthy events, gathered in two parts: migrations, the database and secrets; SSH, mail and
 * crashes), measured once before any rule looked at it: recall 0.66 over all categories
 * (migration_failure 6/14, db_connection 15/17, missing_secret 12/14, crash 11/15, ssh_host_key
 * 5/13, smtp 8/14) and no false alarm in 29 healthy events. Rules were then added or widened where
 * a miss was a library's, a runtime's or a server's own wording: PostgreSQL's "... cannot run
 * inside a transaction block" for CONCURRENTLY and ALTER TYPE ... ADD whoever prints it, old
 * Ecto's versionless "== Running" and the runner's `execute "..."` entering the migrating context,
 * Rails' and sqlx's failed-migration wording, epgsql's FATAL error record, "X environment variable
 * must be set" raised, Rails' cookie-store secret, an application's SSH server that cannot start
 * or bind and newer systemd's "Failed to start ssh.service - ...", older Mix's "please see report
 * above", lager's report of a child that never started, Ranch's listener failure, a Go mailer's
 * dial to an SMTP port and gomail's send error: 0.87 (migration_failure 12/14, db_connection
 * 16/17, missing_secret 14/14, crash 14/15, ssh_host_key 8/13, smtp 12/14), no false alarm in
 * this or any other corpus (the fourth gained one: a CONCURRENTLY refused under gitness).
 * Its misses: a pool error with nothing in the event showing migrations (ecto_sql#329) or after
 * old Ecto's "== Migrated in" (ecto#1351), a schema_migrations help text also labelled
 * db_connection, Postfix's and dma's deferrals (a mail server's log, not a Foglet log), OpenSSH's
 * "Could not load host key" (dropped on purpose: see the fourth corpus), a Go panic whose SSH
 * shows only in a stack after a blank line, and one acceptor's =CRASH REPORT= (its label
 * doubtful). It is no longer unseen.
 */
heldOut('seventh held-out corpus', 'test/fixtures/real-corpus-holdout-7', 0.8);

/**
 * The eighth held-out corpus (77 events from sources no other corpus used, 57 failure labels and
 * 21 healthy events, gathered by two helpers that never saw the rules, after the seventh's rules
 * were in), measured once, with no rule changed for it: recall 0.79 over all categories
 * (migration_failure 9/11, db_connection 13/13, missing_secret 1/5, crash 10/11, ssh_host_key 3/5,
 * smtp 9/12) and no false alarm in 21 healthy events, the same in all three formats. The helpers
 * found the public Elixir text of these failures mostly used up by the corpora before it (few new
 * OTP :ssh or Fly lines, few missing secrets). Its misses: Application.fetch_env!'s "could not
 * fetch application environment ... because configuration at ... was not set", a compile-time
 * config error, an unresolved {:system, "SECRET_KEY_BASE"} crashing a request, a bare
 * ArgumentError traced to an unset key, a migration's `execute` with no error shown, a cast error
 * labelled by its issue's context, two honeypots unable to bind port 22, Django's SMTPDataError,
 * Postal's and SES's rejections, and a Fly machine whose kernel panicked after "Starting init".
 * The next rule change was measured on it once, then learned from it: Application.fetch_env!'s
 * message for a key that is a module, a key path or a string, not only an atom: 0.82
 * (missing_secret 3/5), no false alarm. It is no longer unseen.
 */
heldOut('eighth held-out corpus', 'test/fixtures/real-corpus-holdout-8', 0.8);

/**
 * The ninth held-out corpus (120 events from sources no other corpus used: 85 failure labels and
 * 35 healthy events, gathered by two helpers that never saw the rules), measured once before any
 * rule saw it: recall 0.66 over all categories (crash 13/15, db_connection 10/14,
 * migration_failure 10/14, smtp 10/15, missing_secret 6/12, ssh_host_key 7/15), no false alarm in
 * 35 healthy events. Many misses are outside Foglet's world (OpenSSH, dropbear and Docker port
 * clashes, Haraka's and genmon's mail logs, Zotonic's, TeslaMate's systemd units); the library
 * wordings among them were then learned: Ecto.InvalidURLError (and Ecto 0.x's InvalidURL) for a
 * DATABASE_URL set but malformed, systemd's verdict on a failed service and its ssh socket unit that
 * cannot listen, and Docker Compose's `name  | ` prefix, read as the line behind it with the
 * container as its instance: 0.74 (crash 15/15, db_connection 10/14, migration_failure 11/14,
 * missing_secret 9/12, smtp 10/15, ssh_host_key 8/15), no false alarm in this or any other corpus.
 * DBConnection's "client ... exited" stays unmatched on purpose (see the third corpus). Still missed:
 * Haraka's and genmon's own mail logs, Docker's port clash for an add-on, OpenSSH's "Could not load
 * host key" (see the fourth corpus), a Postgres range error with no migration in sight. It is no
 * longer unseen.
 */
heldOut('ninth held-out corpus', 'test/fixtures/real-corpus-holdout-9', 0.7);

/**
 * The tenth held-out corpus (69 events from sources no other corpus used: 52 failure labels and 18
 * healthy events, gathered by two helpers that never saw the rules), measured once before any rule
 * saw it, with the rules learned from the ninth in: recall 0.79 over all categories (crash 8/10,
 * db_connection 14/14, migration_failure 9/12, missing_secret 6/9, smtp 1/3, ssh_host_key 3/4), no
 * false alarm in 18 healthy events, the same in all three formats. The pack before the ninth's rules
 * scored 0.73 on it (crash 6/10, missing_secret 5/9): what was learned there held on text it never
 * saw. Public Elixir text for mail and OTP :ssh failures is nearly used up (the helpers found 3 mail
 * and 4 host-key events, two of them reconstructed from OTP's sources). Its misses: Rails' and
 * Fly's release_command wording for a failed migration, Mastodon's and docker-compose's unset
 * variables, TeslaMate's undecryptable tokens (a warning), an `:eaddrinuse` shown only in a
 * GenServer's state, a Node mailer's TLS error, Livebook's hostname check, systemd's `Active: failed`
 * status line. Rules then learned the library and runtime wordings among them (flyctl's first line
 * for a failed release_command, systemctl's `Active: failed (Result: ...)`, a GenServer named for
 * SSH stopping with :eaddrinuse): 0.85, no false alarm in this or any other corpus. It is no longer
 * unseen.
 */
heldOut('tenth held-out corpus', 'test/fixtures/real-corpus-holdout-10', 0.75);

/**
 * The eleventh held-out corpus is not pasted but captured (README.md there): the real output of an
 * Elixir 1.14 / OTP 25 release failing as a Foglet release fails (a secret unset, System.fetch_env!,
 * the SSH system_dir missing or empty, the SSH port taken, a release built without :ssh, a crash
 * loop) and healthy runs with the noise a board's SSH port gets (an HTTP scanner, a client with no
 * common key exchange, ssh-keyscan). Measured once before any rule saw it: recall 1.00 (crash 8/8,
 * missing_secret 4/4, ssh_host_key 3/3), no false alarm in 7 healthy events, in all three formats.
 * On the text Foglet's own stack prints, the pack finds every failure; the public corpora's misses
 * are other stacks' wordings and the libraries this machine cannot run (Postgrex, gen_smtp).
 */
heldOut('eleventh held-out corpus (captured from a real Elixir release)', 'test/fixtures/real-corpus-holdout-11', 0.9);

/**
 * The twelfth held-out corpus (81 events from sources no other corpus used: 61 failure labels and 20
 * healthy events, gathered by a helper that never saw the rules, asked for text Foglet's own
 * libraries print: Postgrex, DBConnection, Ecto migrations, gen_smtp through Swoosh and Bamboo, OTP
 * :ssh, the BEAM, Fly's runner; 5 of them, all ssh_host_key, reconstructed from OTP's and an Elixir
 * SSH daemon's sources because public text for them is scarce). Measured once before any rule saw it:
 * recall 0.967 (59/61: crash 10/10, db_connection 12/12, migration_failure 12/12, missing_secret 9/9,
 * smtp 10/10, ssh_host_key 6/8), no false alarm in 20 healthy events, the same in all three formats.
 * Its misses: LINC-Switch's own "Starting ssh application failed because: {error,{not_started,crypto}}"
 * (left: the wording is that application's), and an `{:error, :eaddrinuse}` from a daemon module
 * named `IExSshShell` (the SSH context was looked for as `ssh` or `SSH` only: `Ssh` is now one too).
 * It is no longer unseen.
 */
heldOut('twelfth held-out corpus (Foglet\'s libraries)', 'test/fixtures/real-corpus-holdout-12', 0.9);

