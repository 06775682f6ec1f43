/** The probe's client key: from a file, from the config (an ${ENV} value), or made fresh per probe (a guest). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { SshCheckConfig } from './schema.js';

export interface ClientKey {
  privateKey: string;
  passphrase?: string;
  /** True when no key was configured and one was generated for this probe. */
  ephemeral: boolean;
  algorithm: string;
}

export async function loadClientKey(cfg: SshCheckConfig, baseDir: string): Promise<ClientKey> {
  let text: string;
  let source: string;
  if (cfg.private_key_file) {
    source = 'private_key_file';
    try {
      text = await readFile(path.resolve(baseDir, cfg.private_key_file), 'utf8');
    } catch (e) {
      throw new Error(`cannot read private_key_file: ${(e as Error).message}`);
    }
  } else if (cfg.private_key) {
    source = 'private_key';
    text = cfg.private_key.includes('\\n') && !cfg.private_key.includes('\n') ? cfg.private_key.replace(/\\n/g, '\n') : cfg.private_key;
  } else {
    // A guest, as an unregistered caller: Foglet accepts any valid key.
    return { privateKey: generateEd25519().private, ephemeral: true, algorithm: 'ssh-ed25519' };
  }
  const parsed = ssh2.utils.parseKey(text, cfg.passphrase);
  if (parsed instanceof Error) {
    // The parser's message never contains the key itself.
    throw new Error(`${source} is not a usable private key: ${parsed.message}`);
  }
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  return { privateKey: text, passphrase: cfg.passphrase, ephemeral: false, algorithm: key.type };
}

/**
 * A fresh ed25519 key pair in OpenSSH format. ssh2's generator writes about one key
 * in 250 with a malformed public part (a leading zero byte dropped) that its own
 * parser then refuses, so each key is parsed before it is used, and made again if
 * need be.
 */
export function generateEd25519(): { private: string; public: string } {
  for (let attempt = 0; ; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) || attempt >= 20) return pair;
  }
}
