/**
 * One WebSocket upgrade against a real listener with the `ws` client: the status it got (101, or the
 * refusal's), the refusal's JSON body, and the first message after a 101. Shared by the route
 * inventory and the OpenAPI tests, which treat the upgrade as one more listener route.
 */
import WebSocket from 'ws';

export interface UpgradeProbe {
  status: number;
  contentType?: string;
  /** The refusal's body (JSON), when refused. */
  body?: unknown;
  /** The first message after 101 (parsed), then the socket is closed. */
  first?: Record<string, unknown>;
}

export function probeUpgrade(url: string, token?: string): Promise<UpgradeProbe> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const contentType = res.headers['content-type'] ?? '';
        resolve({ status: res.statusCode ?? 0, contentType, body: contentType.startsWith('application/json') ? (JSON.parse(text) as unknown) : text });
        ws.terminate();
      });
    });
    ws.once('message', (data) => {
      resolve({ status: 101, first: JSON.parse(String(data)) as Record<string, unknown> });
      ws.close();
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err);
    });
  });
}
