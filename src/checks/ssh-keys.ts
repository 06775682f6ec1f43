/** The probe's client key: from a file, from the config (an ${ENV} value), or made fresh per probe (a guest). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { SshCheckConfig } from '../config/schema.js';

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
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    return { privateKey: pair.private, ephemeral: true, algorithm: 'ssh-ed25519' };
  }
  const parsed = ssh2.utils.parseKey(text, cfg.passphrase);
  if (parsed instanceof Error) {
    // The parser's message never contains the key itself.
    throw new Error(`${source} is not a usable private key: ${parsed.message}`);
  }
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  return { privateKey: text, passphrase: cfg.passphrase, ephemeral: false, algorithm: key.type };
}
