/**
 * The live status push: the hub's WebSocket API (`ws` next to the page) with
 * `subscribe_sse_stats` and `live: true`, one push a second. The token (LAN port) rides as a
 * subprotocol, not in the URL. Reconnects after a drop.
 */
import { storedToken } from './api.ts';
import type { LiveStatsData } from '../../stats/answers.ts';

export type SocketState = 'connecting' | 'open' | 'closed';

export class LiveSocket {
  #ws: WebSocket | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;

  constructor(
    private readonly onData: (data: LiveStatsData) => void,
    private readonly onState: (state: SocketState) => void,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#ws?.close();
    this.#ws = undefined;
  }

  #open(): void {
    const url = new URL('ws', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = storedToken();
    const ws = new WebSocket(url, token ? ['sse-hub', `sse-hub-token.${token}`] : ['sse-hub']);
    this.#ws = ws;
    this.onState('connecting');
    ws.addEventListener('open', () => {
      this.onState('open');
      ws.send(JSON.stringify({ id: 1, type: 'subscribe_sse_stats', live: true, interval_ms: this.intervalMs }));
    });
    ws.addEventListener('message', (e: MessageEvent<string>) => {
      const message = JSON.parse(e.data) as { type?: string; success?: boolean; data?: LiveStatsData };
      if (message.type === 'sse_stats' && message.success && message.data) this.onData(message.data);
    });
    ws.addEventListener('close', () => {
      if (this.#ws !== ws) return;
      this.onState('closed');
      if (!this.#stopped) this.#retry = setTimeout(() => this.#open(), 2000);
    });
  }
}
