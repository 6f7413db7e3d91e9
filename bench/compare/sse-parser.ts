/**
 * The load client's reading of one SSE response, as bytes arrive on a bare socket (`client.ts`):
 * the status line and headers, then the body, de-chunked when `Transfer-Encoding: chunked` and
 * inflated when `Content-Encoding: gzip` (the product's opt-in for batched streams, flushed per
 * frame: `finishFlush: Z_SYNC_FLUSH` lets each flushed frame out at once), then scanned frame by frame.
 *
 * No JSON parsing: each frame is scanned for the event number `"n":` and publish time `"t":` the
 * bench puts in every event. A frame without `"n":` (the product's `connection`/`ping`, nchan's
 * comments) is not an event. A product `batch` frame (`batch=<ms>`, DOCS.md) counts once per
 * message in its `messages` array, each with its own `"n":` and `"t":`; only the last message gets
 * the frame's `id:`. In a product `state_changed` payload the new state's attributes come before
 * `old_state` (src/ha/normalize.ts), so a message's first `"n":` is the new event's.
 */
import zlib from 'node:zlib';
import { preciseNow } from '../hub/latency.ts';

/**
 * Called once per delivered event: its number, its publish time (NaN when absent), where the
 * frame's `id:` line starts in `text` (-1 when this delivery does not carry the id; read it with
 * {@link idAt}), and when the bytes that completed the frame were read from the socket.
 */
export type OnDelivery = (n: number, t: number, text: string, idAt: number, readAt: number) => void;

type OnFrame = (n: number, t: number, text: string, idAt: number) => void;

/** The id value of the `id: ` line starting at `at` in `text`. */
export function idAt(text: string, at: number): string {
  return text.slice(at + 4, text.indexOf('\n', at));
}

const MESSAGE = '{"type":"';

/**
 * Scans whole frames in `text` from the start, calling `deliver` for each event; returns how far it
 * read (the rest is an incomplete frame, to be scanned again with what follows).
 */
export function scanFrames(text: string, deliver: OnFrame): number {
  let pos = 0;
  let end: number;
  while ((end = text.indexOf('\n\n', pos)) >= 0) {
    let id = -1;
    if (text.startsWith('id: ', pos)) id = pos;
    else {
      const line = text.indexOf('\nid: ', pos);
      if (line >= 0 && line < end) id = line + 1;
    }
    // Only this frame's data is looked at: a search for the batch marker that ran on to the end of
    // the text would make a chunk of many frames cost its length squared (bursts, replays).
    const dataAt = text.indexOf('data: ', pos);
    const batchAt = dataAt >= 0 && dataAt < end && text.startsWith('{"type":"batch"', dataAt + 6) ? dataAt + 7 : -1;
    if (batchAt >= 0) {
      // Messages start at each '{"type":"' after "messages":[ (the frame's own type comes first).
      const list = text.indexOf('"messages":[', batchAt);
      let at = list >= 0 && list < end ? text.indexOf(MESSAGE, list) : -1;
      while (at >= 0 && at < end) {
        const next = text.indexOf(MESSAGE, at + MESSAGE.length);
        const stop = next >= 0 && next < end ? next : end;
        const nAt = text.indexOf('"n":', at);
        if (nAt >= 0 && nAt < stop) {
          const tAt = text.indexOf('"t":', at);
          deliver(number(text, nAt), tAt >= 0 && tAt < stop ? time(text, tAt) : NaN, text, stop === end ? id : -1);
        }
        at = stop === end ? -1 : next;
      }
    } else {
      const nAt = text.indexOf('"n":', pos);
      if (nAt >= 0 && nAt < end) {
        const tAt = text.indexOf('"t":', pos);
        deliver(number(text, nAt), tAt >= 0 && tAt < end ? time(text, tAt) : NaN, text, id);
      }
    }
    pos = end + 2;
  }
  return pos;
}

const number = (text: string, at: number) => parseInt(text.slice(at + 4, at + 24), 10);
const time = (text: string, at: number) => parseFloat(text.slice(at + 4, at + 30));

export interface ResponseHead {
  status: number;
  chunked: boolean;
  gzip: boolean;
}

/**
 * One response's bytes in, deliveries out. {@link push} every chunk the socket reads; `onHead` is
 * called once the headers are complete (return false to stop reading, e.g. on a non-200 status).
 * Inflating is asynchronous (zlib's thread pool): a gzip stream's deliveries come a little later,
 * but carry the time their compressed bytes were read, so a busy load client's inflate queue (20+ ms
 * with 1000 streams on one shared core) is not counted as the server's latency.
 */
export class ResponseParser {
  head: ResponseHead | undefined;
  #headText = '';
  #inflate: zlib.Gunzip | undefined;
  /** Bytes left in the current chunk; -1 while reading a size line, -2 while skipping the CRLF after the data. */
  #left = -1;
  #sizeLine = '';
  #rest = '';
  #refused = false;
  /** Read times of the compressed pieces written to the inflater and not yet processed, oldest first. */
  #pending: number[] = [];

  constructor(
    readonly onHead: (head: ResponseHead) => boolean,
    readonly onDelivery: OnDelivery,
    readonly onError: (err: Error) => void = () => undefined,
    readonly now: () => number = preciseNow,
  ) {}

  push(chunk: Buffer): void {
    if (this.#refused) return;
    // latin1: byte offsets, cheapest decode; only ASCII fields are read.
    const text = chunk.toString('latin1');
    if (this.head) {
      const at = this.now();
      return this.head.chunked ? this.#dechunk(text, at) : this.#body(text, at);
    }
    this.#headText += text;
    const end = this.#headText.indexOf('\r\n\r\n');
    if (end < 0) return;
    const headers = this.#headText.slice(0, end);
    const remainder = this.#headText.slice(end + 4);
    this.#headText = '';
    this.head = {
      status: Number(headers.slice(9, 12)),
      chunked: /\r\ntransfer-encoding:[ \t]*chunked/i.test(headers),
      gzip: /\r\ncontent-encoding:[ \t]*gzip/i.test(headers),
    };
    if (!this.onHead(this.head)) {
      this.#refused = true;
      return;
    }
    if (this.head.gzip) {
      this.#inflate = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
      // Output is pushed (and 'data' emitted) before the write's callback: the oldest pending read time is its.
      this.#inflate.on('data', (out: Buffer) => this.#scan(out.toString('latin1'), this.#pending[0] ?? this.now()));
      this.#inflate.on('error', this.onError);
    }
    if (remainder) this.push(Buffer.from(remainder, 'latin1'));
  }

  close(): void {
    this.#inflate?.destroy();
  }

  #scan(text: string, at: number): void {
    const all = this.#rest ? this.#rest + text : text;
    const used = scanFrames(all, (n, t, s, id) => this.onDelivery(n, t, s, id, at));
    this.#rest = used < all.length ? all.slice(used) : '';
  }

  #body(text: string, at: number): void {
    if (!this.#inflate) return this.#scan(text, at);
    this.#pending.push(at);
    this.#inflate.write(Buffer.from(text, 'latin1'), () => this.#pending.shift());
  }

  #dechunk(text: string, at: number): void {
    let out = '';
    let i = 0;
    while (i < text.length) {
      if (this.#left > 0) {
        const take = Math.min(this.#left, text.length - i);
        out += text.slice(i, i + take);
        i += take;
        this.#left -= take;
        if (this.#left === 0) this.#left = -2;
      } else if (this.#left === -2) {
        // The CRLF after a chunk's data (it may arrive split).
        if (text[i] === '\n') this.#left = -1;
        i++;
      } else {
        const nl = text.indexOf('\n', i);
        if (nl < 0) {
          this.#sizeLine += text.slice(i);
          break;
        }
        this.#sizeLine += text.slice(i, nl);
        i = nl + 1;
        const size = parseInt(this.#sizeLine, 16); // a chunk extension (";…") ends the number
        this.#sizeLine = '';
        this.#left = size > 0 ? size : -1;
      }
    }
    if (out) this.#body(out, at);
  }
}
