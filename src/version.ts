import { readFileSync } from 'node:fs';

/** The package version, read once from package.json beside the build output. */
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch { /* try the next layout: src/ when run from source, dist/src/ when built */ }
  }
  return 'unknown';
})();

/**
 * How the monitor names itself to the servers it probes, so their logs can tell its traffic
 * from users' (OTP's ssh logs the peer's version string in its disconnect reports): the SSH
 * client version `SSH-2.0-foglet-monitor_<version>` and the HTTP User-Agent.
 */
export const SSH_IDENT = `foglet-monitor_${VERSION}`;
export const USER_AGENT = `foglet-monitor/${VERSION}`;
