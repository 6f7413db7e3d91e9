/** A bare websocket client for protocol tests: sends raw JSON and hands back frames one by one, unparsed. */
import { WebSocket } from 'ws';
import { until } from '../until.ts';

export class RawClient {
  readonly frames: string[] = [];
  #waiters: (() => void)[] = [];
  #read = 0;
  closed = false;
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(data.toString());
      this.#wake();
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.#wake();
    });
  }

  static async connect(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Connects and authenticates (consumes auth_required and auth_ok). */
  static async authenticated(url: string, token: string, coalesce = false): Promise<RawClient> {
    const client = await RawClient.connect(url);
    await client.nextJson();
    client.send({ type: 'auth', access_token: token });
    const ok = (await client.nextJson()) as { type: string };
    if (ok.type !== 'auth_ok') throw new Error(`auth failed: ${JSON.stringify(ok)}`);
    if (coalesce) {
      client.send({ id: 1, type: 'supported_features', features: { coalesce_messages: 1 } });
      await client.nextJson();
    }
    return client;
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The next unread frame's text; rejects when the socket closes or after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.frames.length) {
      if (this.closed) throw new Error('socket closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.#read++] as string;
  }

  async nextJson(timeoutMs?: number): Promise<unknown> {
    return JSON.parse(await this.next(timeoutMs));
  }

  /** Reads frames until one message (inside arrays too) matches; returns it. */
  async until(predicate: (message: Record<string, unknown>) => boolean, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = JSON.parse(await this.next(Math.max(1, deadline - Date.now()))) as unknown;
      for (const message of (Array.isArray(value) ? value : [value]) as Record<string, unknown>[]) {
        if (predicate(message)) return message;
      }
    }
  }

  /** Resolves when the server closes the socket. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    await until(() => this.closed, 'the server to close the socket', timeoutMs);
  }

  close(): void {
    this.ws.terminate();
  }
}
