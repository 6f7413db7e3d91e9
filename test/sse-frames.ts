/**
 * The tests' reading of an event stream: the client library's own parser
 * (src/web/client/sse-parser.ts, the one SSE parser of the repository) with each frame's JSON
 * payload and the `retry:` that came with it.
 */
import { SseParser } from '../src/web/client/sse-parser.ts';

/** One parsed SSE frame. */
export interface Frame {
  /** The frame's own `id:`; absent when it had none. */
  id?: string;
  /** The `retry:` sent in the same frame, ms. */
  retry?: number;
  data: string;
  json: { type: string; [key: string]: unknown };
}

/** Collects the frames of a stream as text arrives, in any pieces. */
export class FrameParser {
  readonly frames: Frame[] = [];
  #retry: number | undefined;
  readonly #parser = new SseParser({
    retry: (ms) => (this.#retry = ms),
    frame: ({ id, data }) => {
      const frame: Frame = { data, json: JSON.parse(data) as Frame['json'] };
      if (id !== undefined) frame.id = id;
      if (this.#retry !== undefined) frame.retry = this.#retry;
      this.#retry = undefined;
      this.frames.push(frame);
    },
  });

  push(text: string): void {
    this.#parser.feed(text);
  }
}
