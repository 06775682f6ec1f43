/**
 * Maps the errors Node and undici raise to the failure reasons of DESIGN.md, by
 * error code (walking `cause` chains), never by message text.
 */
import type { FailureReason } from './types.js';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const CONNECT_CODES = new Set(['ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EPIPE', 'EADDRNOTAVAIL', 'ECONNABORTED']);

export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function isTlsCode(code: string): boolean {
  return /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(code);
}

/** The reason for a network-level error; `late` is true once a request was on the wire. */
export function classifyNetworkError(err: unknown, late: boolean): FailureReason {
  const codes = errorCodes(err);
  if (codes.includes('ECONNREFUSED')) return 'connect_refused';
  if (codes.some((c) => DNS_CODES.has(c))) return 'dns_error';
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return 'timeout';
  if (codes.some(isTlsCode) || hasSslLibrary(err)) return 'tls_error';
  if (codes.some((c) => c.startsWith('HPE_'))) return 'protocol_error';
  if (codes.some((c) => CONNECT_CODES.has(c))) return late ? 'protocol_error' : 'connect_error';
  return late ? 'protocol_error' : 'connect_error';
}

function hasSslLibrary(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    if ((e as { library?: unknown }).library === 'SSL routines') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The innermost message, which is where Node puts the useful part ("connect ECONNREFUSED ..."). */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  let msg = err instanceof Error ? err.message : String(err);
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m) msg = m;
    e = (e as { cause?: unknown }).cause;
  }
  return msg;
}
