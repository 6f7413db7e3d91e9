/**
 * The per-frame encodings the HTTP side adds to what the hub writes: HTTP/1.1 chunks
 * (`sse-stream.ts`) and sync-flushed DEFLATE blocks (`gzip-member.ts`).
 *
 * Fan-out stays encode-once: the hub writes the same frame Buffer to every stream in turn (it
 * never changes a frame it wrote), so the last result of each encoding is kept and reused for as
 * long as the same Buffer keeps coming. One encoder serves every stream of an app: the
 * composition root creates it and hands it to the `/subscribe_events` router; tests create their
 * own, so no cache outlives its owner.
 */
import zlib from 'node:zlib';

/** zlib's defaults; a context lives only for one call, so its size is not a per-stream cost. */
const DEFLATE_OPTIONS: zlib.ZlibOptions = { level: 6, windowBits: 15, memLevel: 8, finishFlush: zlib.constants.Z_SYNC_FLUSH };

export class StreamEncoder {
  #lastFrame: Buffer | undefined;
  #lastChunk: Buffer | undefined;
  #lastInput: Buffer | undefined;
  #lastDeflated: Buffer | undefined;

  /** `bytes` as one HTTP/1.1 chunk (`<hex length>\r\n<bytes>\r\n`); the same Buffer again gets the same chunk. */
  chunk(bytes: Buffer): Buffer {
    if (bytes === this.#lastFrame) return this.#lastChunk!;
    const prefix = `${bytes.length.toString(16)}\r\n`;
    const chunk = Buffer.allocUnsafe(prefix.length + bytes.length + 2);
    chunk.write(prefix, 0, 'latin1');
    bytes.copy(chunk, prefix.length);
    chunk.write('\r\n', prefix.length + bytes.length, 'latin1');
    this.#lastFrame = bytes;
    this.#lastChunk = chunk;
    return chunk;
  }

  /**
   * `bytes` as DEFLATE blocks ended by a sync flush (byte-aligned, not final, back-references only
   * inside `bytes`: the result does not depend on what a stream carried before); the same Buffer
   * again gets the same blocks.
   */
  deflate(bytes: Buffer): Buffer {
    if (bytes === this.#lastInput) return this.#lastDeflated!;
    const out = zlib.deflateRawSync(bytes, DEFLATE_OPTIONS);
    this.#lastInput = bytes;
    this.#lastDeflated = out;
    return out;
  }
}
