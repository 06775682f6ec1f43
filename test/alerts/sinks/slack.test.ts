import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSink } from '../../../src/alerts/sinks/index.js';
import { Receiver } from '../../helpers/receiver.js';
import { changes, sinkConfig, sinkContext } from '../../helpers/sinks.js';

let rx: Receiver;
before(async () => { rx = await Receiver.start(); });
after(() => rx.close());

test('slack: one line that says what, where and since when; the evidence in a code block', async () => {
  const s = createSink(sinkConfig({ kind: 'slack', url: `${rx.url}/services/T0/B0/xyz` }), sinkContext);
  const [fire, resolve] = changes();
  await s.send(fire!);
  await s.send(resolve!);
  const [a, b] = rx.requests.map((r) => r.json as { text: string; blocks: Array<{ text?: { text: string } }> });
  assert.match(a!.text, /^:red_circle: Firing \[critical\]: ssh_host_key in app: .*no host key in \/data\/ssh.* since 20\d\d-/);
  assert.match(a!.blocks[1]!.text!.text, /^```10:00:06\.000 \[info\] Foglet\.SSH\.HostKey/);
  assert.match(b!.text, /^:large_green_circle: Resolved: /);
});
