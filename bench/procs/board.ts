/**
 * The footprint bench's board, in a process of its own (pinned to the other core):
 * the fake Foglet, whose SSH port the monitor's checks log in to. Prints its address
 * and host key as one JSON line, then runs until killed.
 */
import { FakeFoglet } from '../../src/demo/fake-foglet.js';

const board = await FakeFoglet.start();
process.stdout.write(`${JSON.stringify({ ssh: board.ssh.address, hostKey: board.ssh.hostKeyFingerprint })}\n`);
process.on('SIGTERM', () => { void board.stop().then(() => process.exit(0)); });
