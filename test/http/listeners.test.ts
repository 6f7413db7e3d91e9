/**
 * The listener's socket takeover: once a stream's headers are out, the socket leaves Node's HTTP
 * server and Koa, so the per-request objects can be collected while the stream lives on.
 * A real Listener on 127.0.0.1 and raw TCP clients.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, test } from 'node:test';
import Koa from 'koa';
import { type FreeParser, Listener, listenerOf, loadFreeParser, takeOverSocket } from '../../src/http/listeners.ts';
import { until } from '../until.ts';
import { FakeClock } from '../fake-clock.ts';

// Collecting on demand is the only way to observe that nothing holds the request any more.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Taken {
  socket: net.Socket;
  closed: boolean;
  refs: WeakRef<object>[];
}

const listeners: Listener[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const listener of listeners.splice(0)) await listener.stop(100);
});

/** A listener whose `/stream` writes headers, takes the socket over and writes `hello`; other paths answer `ok`. */
async function start(freeParser?: FreeParser | null): Promise<{ listener: Listener; taken: Taken[]; paths: string[] }> {
  const taken: Taken[] = [];
  const paths: string[] = [];
  const app = new Koa();
  app.use(async (ctx) => {
    paths.push(ctx.path);
    if (ctx.path !== '/stream') {
      ctx.body = 'ok';
      return;
    }
    ctx.respond = false;
    ctx.res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    ctx.res.flushHeaders();
    const socket = takeOverSocket(ctx.req, ctx.res);
    const entry: Taken = { socket, closed: false, refs: [new WeakRef(ctx), new WeakRef(ctx.req), new WeakRef(ctx.res)] };
    socket.on('close', () => (entry.closed = true));
    socket.on('error', () => {});
    taken.push(entry);
    socket.write(`6\r\nhello\n\r\n`);
  });
  const listener = new Listener(app, { name: 'ingress', host: '127.0.0.1', port: 0, freeParser });
  await listener.start();
  listeners.push(listener);
  return { listener, taken, paths };
}

/**
 * A whole request on a new connection to `listener`. Bytes sent earlier on another connection
 * reach the server first: had they been dispatched, the app would have seen them by now.
 */
async function roundTrip(listener: Listener): Promise<void> {
  const client = connect(listener);
  client.socket.write('GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await until(() => client.ended(), 'the answer to /ping');
  assert.match(client.text(), /\r\n\r\nok$/);
}

function connect(listener: Listener): { socket: net.Socket; text: () => string; ended: () => boolean } {
  const socket = net.connect(listener.port, '127.0.0.1');
  clients.push(socket);
  let text = '';
  let ended = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('end', () => (ended = true));
  socket.on('close', () => (ended = true));
  socket.on('error', () => {});
  return { socket, text: () => text, ended: () => ended };
}

const STREAM_REQUEST = 'GET /stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n';

test('after the takeover the request, the response and Koa context are released while the socket keeps streaming', async () => {
  const { listener, taken } = await start();
  const client = connect(listener);
  client.socket.write(STREAM_REQUEST);
  await until(() => client.text().includes('hello'), 'headers and the first write');
  assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n/);
  const [entry] = taken;
  for (let i = 0; i < 20 && entry!.refs.some((ref) => ref.deref()); i++) {
    await tick();
    gc();
  }
  assert.deepEqual(
    entry!.refs.map((ref) => ref.deref() === undefined),
    [true, true, true],
    'ctx, req and res were collected',
  );
  entry!.socket.write('5\r\nmore\n\r\n');
  await until(() => client.text().includes('more'), 'a write after the collection');
  assert.equal(entry!.closed, false);
});

test('bytes after the request are read and ignored, never answered; the client FIN ends the socket', async () => {
  const { listener, taken, paths } = await start();
  const client = connect(listener);
  client.socket.write(STREAM_REQUEST);
  await until(() => client.text().includes('hello'), 'stream');
  client.socket.write('GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
  await roundTrip(listener);
  assert.deepEqual(paths, ['/stream', '/ping'], 'the later request was never dispatched');
  assert.equal(client.text().match(/HTTP\/1\.1/g)?.length, 1, 'no second answer on the stream connection');
  assert.doesNotMatch(client.text(), /ok/);
  client.socket.end();
  await until(() => taken[0]!.closed && client.ended(), 'both sides closed');
});

test('a request pipelined in the same packet as the stream request is never dispatched', async () => {
  const { listener, taken, paths } = await start();
  const client = connect(listener);
  client.socket.write(STREAM_REQUEST + 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => client.text().includes('hello'), 'stream');
  await roundTrip(listener);
  assert.deepEqual(paths, ['/stream', '/ping'], 'the pipelined request was never dispatched');
  assert.equal(taken.length, 1);
  assert.equal(client.text().match(/HTTP\/1\.1/g)?.length, 1, 'no second answer on the stream connection');
  taken[0]!.socket.write('5\r\nmore\n\r\n');
  await until(() => client.text().includes('more'), 'the stream goes on');
});

test('the request still carries its listener; stop() destroys taken-over sockets after the grace period (fake clock)', async () => {
  const seen: string[] = [];
  const sockets: net.Socket[] = [];
  const app = new Koa();
  app.use(async (ctx) => {
    seen.push(listenerOf(ctx.req));
    ctx.respond = false;
    ctx.res.writeHead(200);
    ctx.res.flushHeaders();
    const socket = takeOverSocket(ctx.req, ctx.res);
    sockets.push(socket);
    socket.write('1\r\nx\r\n');
  });
  const clock = new FakeClock(0);
  const listener = new Listener(app, { name: 'ingress', host: '127.0.0.1', port: 0, timers: clock });
  await listener.start();
  const client = connect(listener);
  client.socket.write(STREAM_REQUEST);
  await until(() => client.text().includes('\r\nx\r\n'), 'stream');
  assert.deepEqual(seen, ['ingress']);
  let stopped = false;
  const stopping = listener.stop(5000).then(() => (stopped = true));
  clock.advance(4999);
  sockets[0]!.write('1\r\ny\r\n');
  await until(() => client.text().includes('\r\ny\r\n'), 'a write during the grace period');
  assert.equal(client.ended(), false, 'the stream lives until the grace period ends');
  assert.equal(stopped, false);
  clock.advance(1);
  await stopping;
  await until(() => client.ended(), 'closed by stop()');
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test("Node's freeParser is found on this Node; a Node without it (no module, or no function) gives undefined", () => {
  assert.equal(typeof loadFreeParser(), 'function');
  const gone = (id: string): unknown => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  };
  assert.equal(loadFreeParser(gone), undefined);
  assert.equal(loadFreeParser(() => ({})), undefined);
  assert.equal(loadFreeParser(() => ({ freeParser: 'not a function' })), undefined);
});

test('without freeParser the takeover degrades: the socket streams, the client FIN ends it, stop() ends it; the request stays alive', async () => {
  const { listener, taken } = await start(null);
  assert.equal(listener.releasesHttpState, false);
  assert.equal((await start()).listener.releasesHttpState, true, 'with the internal, as on this Node');
  const first = connect(listener);
  first.socket.write(STREAM_REQUEST);
  await until(() => first.text().includes('hello'), 'headers and the first write');
  taken[0]!.socket.write('5\r\nmore\n\r\n');
  await until(() => first.text().includes('more'), 'a later write');
  for (let i = 0; i < 5; i++) {
    await tick();
    gc();
  }
  assert.ok(taken[0]!.refs[0]!.deref(), 'Koa context kept: the HTTP machinery still holds it (the cost of degrading)');
  first.socket.end();
  await until(() => taken[0]!.closed && first.ended(), 'both sides closed after the client FIN');

  const second = connect(listener);
  second.socket.write(STREAM_REQUEST);
  await until(() => second.text().includes('hello'), 'a second stream');
  await listener.stop(50);
  await until(() => taken[1]!.closed && second.ended(), 'closed by stop()');
});
