/**
 * One full SSH probe (connect, handshake, key auth, PTY, screen) against a loopback
 * OpenSSH sshd, side by side with the OpenSSH client reaching the same screen in the
 * same run. Wall time from start to screen, and CPU of the client side only (sshd's
 * work is the same for both). The ssh client matches the raw byte stream; the probe
 * renders a terminal, which is the work Foglet's cursor painting needs.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { validateConfig } from '../src/config/load.js';
import type { SshCheckConfig } from '../src/config/schema.js';
import { runProbe } from '../src/checks/runner.js';
import { SshProbe } from '../src/checks/ssh/probe.js';
import { startSshd, type RealSshd } from '../test/helpers/sshd.js';
import { median, procCpuMs } from './measure.js';

export interface Sample { wallMs: number; cpuMs: number }

async function probeOnce(cfg: SshCheckConfig): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runProbe(cfg, new SshProbe(cfg, { baseDir: process.cwd() }));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (!r.ok) throw new Error(`probe failed: ${r.reason}: ${r.message}`);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function opensshOnce(sshd: RealSshd, knownHosts: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ssh', [
      '-tt', '-i', sshd.keys.ed25519, '-p', String(sshd.port),
      '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=accept-new',
      '-o', 'LogLevel=ERROR', `${sshd.user}@127.0.0.1`,
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ssh did not reach the screen: ${out}`)); }, 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('Home') && out.includes('pty ')) {
        const wallMs = performance.now() - t0;
        let cpuMs = NaN;
        try { cpuMs = procCpuMs(child.pid!); } catch { /* exited already */ }
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve({ wallMs, cpuMs });
      }
    });
    child.on('error', reject);
  });
}

export async function benchSshProbe(runs = 30): Promise<Record<string, string | number>> {
  const sshd = await startSshd();
  try {
    const cfg = validateConfig({
      checks: [{
        name: 'bench', kind: 'ssh', host: '127.0.0.1', port: sshd.port, username: sshd.user, timeout: '10s',
        private_key_file: sshd.keys.ed25519, host_key: sshd.hostKeyFingerprint, expect_screen: '/Foglet BBS ▸ Home[\\s\\S]*pty 30 100/',
      }],
    }).checks[0] as SshCheckConfig;
    const knownHosts = path.join(sshd.dir, 'known_hosts');
    // Warm both up once (JIT, sshd's first fork).
    await probeOnce(cfg);
    await opensshOnce(sshd, knownHosts);
    const probe: Sample[] = [];
    const ssh: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so a noisy moment hurts both alike.
      probe.push(await probeOnce(cfg));
      ssh.push(await opensshOnce(sshd, knownHosts));
      if (process.stderr.isTTY) process.stderr.write(`\r  ssh probe bench ${i + 1}/${runs}`);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    const pWall = median(probe.map((s) => s.wallMs));
    const sWall = median(ssh.map((s) => s.wallMs));
    const pCpu = probe.reduce((a, s) => a + s.cpuMs, 0) / runs;
    const sCpu = ssh.reduce((a, s) => a + s.cpuMs, 0) / runs;
    return {
      runs,
      probe_wall_ms_p50: round(pWall),
      openssh_wall_ms_p50: round(sWall),
      wall_ratio_probe_over_openssh: round(pWall / sWall),
      probe_cpu_ms_mean: round(pCpu),
      openssh_cpu_ms_mean: round(sCpu),
      cpu_ratio_probe_over_openssh: round(pCpu / sCpu),
      probes_per_second_one_core: round(1000 / pCpu),
    };
  } finally {
    await sshd.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
