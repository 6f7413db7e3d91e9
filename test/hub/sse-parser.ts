/** A minimal incremental SSE parser for tests: the fields this server emits (id, retry, data). */

/** One parsed SSE frame. */
export interface Frame {
  id?: string;
  retry?: number;
  data: string;
  json: { type: string; [key: string]: unknown };
}

/** A minimal incremental SSE parser for tests (the fields this server emits). */
export class FrameParser {
  readonly frames: Frame[] = [];
  #buffer = '';

  push(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const frame: Partial<Frame> & { data: string } = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') frame.id = value;
        else if (field === 'retry') frame.retry = Number(value);
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0) continue;
      frame.data = data.join('\n');
      this.frames.push({ ...frame, json: JSON.parse(frame.data) } as Frame);
    }
  }
}
