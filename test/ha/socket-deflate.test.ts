/**
 * The websocket to core offers no permessage-deflate (issue 23: each incoming event would be
 * deflated by core and inflated here on a link that never leaves the box). Against a real `ws`
 * server that would accept the extension, as core's aiohttp does by default.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { openAuthenticatedSocket } from '../../src/ha/socket.ts';

test('the connection to core neither offers nor negotiates permessage-deflate', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const offered: (string | undefined)[] = [];
  server.on('connection', (socket, req) => {
    offered.push(req.headers['sec-websocket-extensions']);
    socket.send(JSON.stringify({ type: 'auth_required', ha_version: '2025.1.0' }));
    socket.once('message', () => socket.send(JSON.stringify({ type: 'auth_ok', ha_version: '2025.1.0' })));
  });
  try {
    const { port } = server.address() as AddressInfo;
    const { ws, haVersion } = await openAuthenticatedSocket({ url: `ws://127.0.0.1:${port}/api/websocket`, token: 't', timeoutMs: 5000 });
    assert.equal(haVersion, '2025.1.0');
    assert.deepEqual(offered, [undefined], 'no Sec-WebSocket-Extensions header');
    ws.terminate();
    assert.equal(ws.extensions, '');
  } finally {
    for (const client of server.clients) client.terminate(); // close() waits for them
    await new Promise((resolve) => server.close(resolve));
  }
});
