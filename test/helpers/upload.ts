/** Hostile uploads for the server tests: a chunked body streamed as fast as the server takes it. */
import net from 'node:net';

/**
 * Sends a chunked body as fast as the socket takes it (at most `maxBytes`), and stops once
 * an answer arrives, as curl does; resolves with the answer's status line and the bytes
 * the server let in.
 */
export function streamChunked(base: string, path: string, token: string, maxBytes: number, contentType: string | null = 'text/plain'): Promise<{ status: string; sent: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let sent = 0;
    let answer = '';
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const pump = () => {
      while (sent < maxBytes && !socket.destroyed && !answer) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed && !answer) socket.end('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${contentType ? `Content-Type: ${contentType}\r\n` : ''}Transfer-Encoding: chunked\r\n\r\n`);
      pump();
    });
    socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    socket.on('error', () => { /* reset by the server: what the test expects */ });
    socket.on('close', () => resolve({ status: answer.split('\r\n')[0] ?? '', sent }));
    setTimeout(() => { socket.destroy(); reject(new Error(`no answer after ${sent} bytes`)); }, 20_000).unref();
  });
}
