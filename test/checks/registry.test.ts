/**
 * A new check kind is one descriptor: this test adds a `tcp` kind that exists only here, and
 * the registry, the runner and the metrics take it without a line changed anywhere else.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { z } from 'zod';
import { CHECK_KINDS, CheckRegistry, checkKinds } from '../../src/checks/index.js';
import { CHECK_SCHEMAS } from '../../src/checks/schemas.js';
import { runProbe } from '../../src/checks/runner.js';
import { PhaseClock, type CheckKindDescriptor, type Probe, type ProbeOutcome } from '../../src/checks/types.js';
import { classifyNetworkError, rootMessage } from '../../src/checks/errors.js';
import { checkCommon } from '../../src/schema/fields.js';
import { Metrics } from '../../src/metrics.js';
import { closedPort, startTcpServer } from '../helpers/servers.js';

const tcpSchema = z.strictObject({ ...checkCommon, kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535) });
type TcpCheckConfig = z.output<typeof tcpSchema>;

class TcpProbe implements Probe {
  readonly kind = 'tcp';
  readonly target: string;
  constructor(private readonly cfg: TcpCheckConfig) { this.target = `${cfg.host}:${cfg.port}`; }
  async run({ signal }: { signal: AbortSignal }): Promise<ProbeOutcome> {
    const clock = new PhaseClock<'connect'>('connect');
    const socket = net.connect({ host: this.cfg.host, port: this.cfg.port, signal });
    try {
      await once(socket, 'connect');
      clock.end();
      return { ok: true, phases: clock.phases };
    } catch (e) {
      clock.end();
      return { ok: false, reason: classifyNetworkError(e, false), message: rootMessage(e), phases: clock.phases };
    } finally {
      socket.destroy();
    }
  }
}

const tcpCheck = {
  kind: 'tcp',
  schema: tcpSchema,
  phases: ['connect'],
  reasons: ['timeout', 'connect_refused', 'connect_error'],
  create: (cfg) => new TcpProbe(cfg),
} as const satisfies CheckKindDescriptor<TcpCheckConfig>;

test('a kind added by a descriptor: its config is validated, its probe runs, its reasons get series', async () => {
  const kinds = new CheckRegistry([...CHECK_KINDS, tcpCheck]);
  assert.deepEqual(kinds.names(), ['http', 'ssh', 'app_metrics', 'tcp']);

  const server = await startTcpServer((s) => s.end());
  const port = server.port;
  const refused = await closedPort();
  try {
    const schema = kinds.schema();
    const up = schema.parse({ name: 'board-port', kind: 'tcp', host: '127.0.0.1', port });
    assert.equal(up.schedule, '*/15 * * * * *', 'the common fields and their defaults come with checkCommon');
    assert.equal(up.timeout.ms, 10_000);
    const bad = schema.safeParse({ name: 'x', kind: 'tcp', host: '127.0.0.1', port: 0 });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['port']);
    const unknown = schema.safeParse({ name: 'x', kind: 'udp' });
    assert.match(unknown.error?.issues[0]?.message ?? '', /one of: http, ssh, app_metrics, tcp/);
    assert.equal(checkKinds.schema().safeParse({ name: 'x', kind: 'tcp', host: 'h', port: 1 }).success, false, 'the built-in registry does not know it');

    const down = schema.parse({ name: 'closed-port', kind: 'tcp', host: '127.0.0.1', port: refused });
    const passed = await runProbe(up, kinds.create(up, { baseDir: '.' }));
    const failed = await runProbe(down, kinds.create(down, { baseDir: '.' }));
    assert.equal(passed.ok, true, passed.message);
    assert.equal(passed.kind, 'tcp');
    assert.equal(typeof passed.phases.connect, 'number');
    assert.equal(failed.ok, false);
    assert.equal(failed.reason, 'connect_refused');

    const metrics = new Metrics({ processMetrics: false, kinds });
    metrics.setChecks([up, down]);
    metrics.recordProbe(passed);
    metrics.recordProbe(failed);
    const { body } = await metrics.exposition();
    assert.match(body, /foglet_monitor_probe_failure_reason\{check="closed-port",kind="tcp",reason="connect_refused"\} 1/);
    assert.match(body, /foglet_monitor_probe_failure_reason\{check="closed-port",kind="tcp",reason="timeout"\} 0/);
    assert.match(body, /foglet_monitor_probe_failures_total\{check="board-port",kind="tcp",reason="connect_error"\} 0/);
    assert.doesNotMatch(body, /kind="tcp",reason="auth_failed"/, 'one series per reason of the kind, not of every kind');
    assert.match(body, /foglet_monitor_probe_phase_duration_seconds\{check="board-port",kind="tcp",phase="connect"\}/);
  } finally {
    await server.close();
  }
});

test('the config loader\'s schemas are the registered kinds\' own, in the same order', () => {
  assert.deepEqual(CHECK_KINDS.map((k) => k.kind), CHECK_SCHEMAS.map((s) => s.shape.kind.value));
  CHECK_KINDS.forEach((k, i) => assert.equal(k.schema, CHECK_SCHEMAS[i], `${k.kind}: the same schema object`));
});

