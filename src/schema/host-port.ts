/**
 * `host[:port]`, as the config's `listen`, `hostkey`'s argument and `/probe`'s SSH targets write
 * it: a name or an IPv4 address, or an IPv6 address in brackets (`[::1]:2222`, a zone after `%`).
 * One reading for all three, so that what one accepts the others do too.
 */
export interface HostPort {
  /** Without brackets. */
  host: string;
  /** Absent when the text gave none. */
  port?: number;
  /** Written in brackets (an IPv6 address): to be written back the same way. */
  bracketed: boolean;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([^:[\]/\s]+))(?::(\d{1,5}))?$/;

export function parseHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT.exec(text);
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  return { host: m[1] ?? m[2]!, ...(port === undefined ? {} : { port }), bracketed: m[1] !== undefined };
}

/** `host:port` again, in brackets when it was (or must be: an IPv6 address). */
export function formatHostPort(host: string, port: number, bracketed = host.includes(':')): string {
  return `${bracketed ? `[${host}]` : host}:${port}`;
}
