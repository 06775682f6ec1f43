/** A response body read up to a limit: an endless body cannot hold a probe or fill memory. */
export async function readBounded(body: AsyncIterable<Buffer> & { destroy?: () => void }, max: number) {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of body) {
    const room = max - bytes;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      bytes += Math.max(room, 0);
      truncated = true;
      break;
    }
    chunks.push(chunk);
    bytes += chunk.length;
  }
  if (truncated) body.destroy?.();
  return { text: Buffer.concat(chunks).toString('utf8'), bytes, truncated };
}
