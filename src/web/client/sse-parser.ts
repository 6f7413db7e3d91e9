/**
 * An incremental `text/event-stream` parser, as a pure state machine (no I/O): text goes in as
 * it arrives, dispatched frames and `retry:` values come out. Unlike `EventSource`, it tells
 * whether a frame carried an `id:` of its own, which the client needs to find where a state
 * snapshot ends (the hub gives only the snapshot's last frame an id).
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

export interface SseFrame {
  data: string;
  /** The frame's own `id:` value; undefined when the frame had none. */
  id: string | undefined;
  /** The `event:` field; undefined for the default `message`. */
  event: string | undefined;
}

export interface SseParserHandlers {
  frame(frame: SseFrame): void;
  /** A valid `retry:` field, in milliseconds (applied at once, as EventSource does). */
  retry(ms: number): void;
}

export class SseParser {
  #buffer = '';
  #started = false;
  #data: string[] = [];
  #hasData = false;
  #id: string | undefined;
  #event: string | undefined;

  constructor(private readonly handlers: SseParserHandlers) {}

  /** Feeds decoded text; complete lines are processed, a partial line waits for more. */
  feed(text: string): void {
    let buffer = this.#buffer + text;
    if (!this.#started && buffer.length > 0) {
      this.#started = true;
      if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
    }
    let start = 0;
    for (;;) {
      let end = start;
      while (end < buffer.length && buffer[end] !== '\n' && buffer[end] !== '\r') end++;
      if (end >= buffer.length) break;
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (buffer[end] === '\r' && end + 1 >= buffer.length) break;
      this.#line(buffer.slice(start, end));
      start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
    }
    this.#buffer = buffer.slice(start);
  }

  /** Forgets a partial line and frame (a new connection starts clean). */
  reset(): void {
    this.#buffer = '';
    this.#started = false;
    this.#clearFrame();
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return; // a comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data.push(value);
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'event':
        this.#event = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.retry(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(): void {
    const frame: SseFrame = { data: this.#data.join('\n'), id: this.#id, event: this.#event };
    const hasData = this.#hasData;
    this.#clearFrame();
    if (hasData) this.handlers.frame(frame);
  }

  #clearFrame(): void {
    this.#data = [];
    this.#hasData = false;
    this.#id = undefined;
    this.#event = undefined;
  }
}
