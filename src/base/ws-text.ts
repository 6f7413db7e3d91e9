/**
 * The text of a received websocket message, for the three places that read JSON from the `ws`
 * package (the Home Assistant client, the simulated core, the statistics API): `ws` hands over a
 * Buffer, an ArrayBuffer or an array of fragments. Null for a binary message, which none of them accepts.
 */
import type { RawData } from 'ws';

export function wsMessageText(data: RawData, isBinary: boolean): string | null {
  if (isBinary) return null;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}
