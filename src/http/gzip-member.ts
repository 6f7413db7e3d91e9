/**
 * `Content-Encoding: gzip` for event streams that ask for batches (`batch=<ms>`, DOCS.md), encoded once
 * for every stream that receives the same frame.
 *
 * A gzip stream is a header, one DEFLATE stream and a trailer (CRC-32 and length of what it
 * held; RFC 1952). Each frame the hub writes is compressed on its own into DEFLATE blocks ended
 * by a sync flush (`Z_SYNC_FLUSH`: byte-aligned, not final, back-references only inside the
 * frame), so the compressed bytes of a frame do not depend on what the stream carried before: the
 * fan-out compresses a frame once and every stream appends the same bytes. Only the CRC and the
 * length are per stream. Each write can be decoded as soon as it arrives. The end is an empty
 * final block and the trailer.
 */
import zlib from 'node:zlib';
import type { StreamEncoder } from './stream-encoder.ts';

/**
 * The oldest Node this file runs on: `zlib.crc32` came in Node 20.15.0 (and 22.2.0). package.json's
 * `engines` says the same (test/packaging/node-version.test.ts holds them together).
 */
export const MIN_NODE_VERSION = '20.15.0';

/** The 10-byte gzip header: deflate, no name, no time, OS unknown. */
export const GZIP_HEADER: Buffer = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final block with fixed codes (BFINAL=1, BTYPE=01, end-of-block), byte-aligned. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** One stream's gzip member: what it must write before, for and after the frames. */
export class GzipMember {
  #crc = 0;
  #size = 0;
  #started = false;
  readonly #encoder: StreamEncoder;

  /** `encoder`: where a frame's DEFLATE blocks come from, shared by every stream (`stream-encoder.ts`). */
  constructor(encoder: StreamEncoder) {
    this.#encoder = encoder;
  }

  /** The bytes to write for `frame`: the header first time, then the frame's shared DEFLATE blocks. */
  encode(frame: Buffer): Buffer[] {
    this.#crc = zlib.crc32(frame, this.#crc);
    this.#size = (this.#size + frame.length) >>> 0;
    const body = this.#encoder.deflate(frame);
    if (this.#started) return [body];
    this.#started = true;
    return [GZIP_HEADER, body];
  }

  /** The end of the member: the final block and the trailer (a header first if nothing was written). */
  end(): Buffer {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.#crc >>> 0, 0);
    trailer.writeUInt32LE(this.#size, 4);
    const parts = this.#started ? [FINAL_BLOCK, trailer] : [GZIP_HEADER, FINAL_BLOCK, trailer];
    this.#started = true;
    return Buffer.concat(parts);
  }
}
