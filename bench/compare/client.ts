/**
 * A load-client process of the comparison: opens SSE streams over bare sockets (no
 * EventSource, no JSON parsing) against any of the three servers and scans each frame for the
 * `id:` line and the event's `"t":` (publish time) and `"n":` (event number). Frames without `"n":`
 * (the product's `connection`/`ping`, nchan's comments) are not events.
 *
 * Messages in: open {urls, concurrency, headers?, track?, expect?} | reset | stats | ids {ns} |
 * pause {fraction} | closeAll | replay. Each is answered with a message of the same type.
 */
import net from 'node:net';
import zlib from 'node:zlib';
import { LatencyHistogram, preciseNow } from '../hub/latency.ts';

interface Stream {
  socket: net.Socket;
  paused: boolean;
  /** Event numbers in arrival order (replay checks), when tracked. */
  got?: number[];
  expect: number;
  completeAt: number;
}

let streams: Stream[] = [];
let histogram = new LatencyHistogram();
let perN = new Map<number, number>();
let received = 0;
let bytes = 0;
let lastReceiveAt = 0;
let failed = 0;
let closed = 0;
/** The server's id string for each event number (first seen), for `Last-Event-ID`. */
const idOf = new Map<number, string>();

/** Counts one delivery: event number `n`, publish time at `tAt` (or -1), `idAt` the frame's id line (or -1). */
function deliver(stream: Stream, text: string, nAt: number, tAt: number, idAt: number): void {
  const now = preciseNow();
  const n = parseInt(text.slice(nAt + 4, nAt + 24), 10);
  if (tAt >= 0) histogram.record(now - parseFloat(text.slice(tAt + 4, tAt + 30)));
  perN.set(n, (perN.get(n) ?? 0) + 1);
  received++;
  lastReceiveAt = now;
  if (idAt >= 0 && !idOf.has(n)) idOf.set(n, text.slice(idAt + 4, text.indexOf('\n', idAt)));
  if (stream.got) {
    stream.got.push(n);
    if (stream.got.length === stream.expect) stream.completeAt = now;
  }
}

const MESSAGE = '{"type":"';

/**
 * Scans whole frames in `text` from the start; returns how far it read. A frame is one delivery
 * (its first `"n":`), or for the product's `batch` frames (`batch=<ms>`) one per message, each
 * message's first `"n":` and `"t":` (the new state's attributes come before `old_state` in the
 * product's `state_changed` payload).
 */
function scan(stream: Stream, text: string): number {
  let pos = 0;
  let end: number;
  while ((end = text.indexOf('\n\n', pos)) >= 0) {
    let id = -1;
    if (text.startsWith('id: ', pos)) id = pos;
    else {
      const line = text.indexOf('\nid: ', pos);
      if (line >= 0 && line < end) id = line + 1;
    }
    const batchAt = text.indexOf('"type":"batch"', pos);
    if (batchAt >= 0 && batchAt < end) {
      // Messages start at each '{"type":"' after "messages":[ (the frame's own type comes first).
      let at = text.indexOf(MESSAGE, text.indexOf('"messages":[', batchAt));
      while (at >= 0 && at < end) {
        const next = text.indexOf(MESSAGE, at + MESSAGE.length);
        const stop = next >= 0 && next < end ? next : end;
        const nAt = text.indexOf('"n":', at);
        if (nAt >= 0 && nAt < stop) {
          const tAt = text.indexOf('"t":', at);
          // Only the batch's last message carries the frame's id.
          deliver(stream, text, nAt, tAt >= 0 && tAt < stop ? tAt : -1, stop === end ? id : -1);
        }
        at = next >= 0 && next < end ? next : -1;
      }
    } else {
      const nAt = text.indexOf('"n":', pos);
      if (nAt >= 0 && nAt < end) {
        const tAt = text.indexOf('"t":', pos);
        deliver(stream, text, nAt, tAt >= 0 && tAt < end ? tAt : -1, id);
      }
    }
    pos = end + 2;
  }
  return pos;
}

/**
 * Opens one stream over a bare socket (no http module: its per-chunk stream machinery would cost
 * more client CPU than the servers spend): writes the GET, checks for `200`, then de-chunks the
 * body when it is `Transfer-Encoding: chunked` and scans it.
 */
function openOne(url: string, headers: Record<string, string>, track: boolean, expect: number): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const socket = net.connect(Number(target.port), target.hostname);
    const stream: Stream = { socket, paused: false, expect, completeAt: 0, ...(track ? { got: [] } : {}) };
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
    let head = '';
    let chunked = false;
    let open = false;
    /** Present when the response is `Content-Encoding: gzip`: the body is inflated before scanning. */
    let inflate: zlib.Gunzip | undefined;
    /** Bytes left in the current chunk; -1 while reading a size line. */
    let left = -1;
    let sizeLine = '';
    let rest = '';
    const scanned = (text: string) => {
      const all = rest ? rest + text : text;
      const used = scan(stream, all);
      rest = used < all.length ? all.slice(used) : '';
    };
    const body = (text: string) => (inflate ? inflate.write(Buffer.from(text, 'latin1')) : scanned(text));
    const dechunk = (text: string) => {
      let out = '';
      let i = 0;
      while (i < text.length) {
        if (left > 0) {
          const take = Math.min(left, text.length - i);
          out += text.slice(i, i + take);
          i += take;
          left -= take;
          if (left === 0) left = -2; // the CRLF after the data
        } else if (left === -2) {
          // skip "\r\n" (may arrive split)
          if (text[i] === '\n') left = -1;
          i++;
        } else {
          const nl = text.indexOf('\n', i);
          if (nl < 0) {
            sizeLine += text.slice(i);
            break;
          }
          sizeLine += text.slice(i, nl);
          i = nl + 1;
          const size = parseInt(sizeLine, 16);
          sizeLine = '';
          left = size > 0 ? size : -1;
        }
      }
      if (out) body(out);
    };
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // latin1: byte offsets, cheapest decode; only ASCII fields are read.
      const text = chunk.toString('latin1');
      if (open) return chunked ? dechunk(text) : body(text);
      head += text;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.slice(9, 12);
      if (status !== '200') {
        failed++;
        socket.destroy();
        resolve(false);
        return;
      }
      open = true;
      chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head.slice(0, end));
      if (/\r\ncontent-encoding:\s*gzip/i.test(head.slice(0, end))) {
        inflate = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
        inflate.on('data', (out: Buffer) => scanned(out.toString('latin1')));
        inflate.on('error', () => socket.destroy());
      }
      streams.push(stream);
      resolve(true);
      const remainder = head.slice(end + 4);
      head = '';
      if (remainder) {
        if (chunked) dechunk(remainder);
        else body(remainder);
      }
    });
    socket.on('close', () => {
      if (open) closed++;
      else {
        failed++;
        resolve(false);
      }
    });
    socket.on('error', () => undefined);
  });
}

async function openAll(urls: string[], concurrency: number, headers: Record<string, string>, track: boolean, expect: number): Promise<number> {
  let next = 0;
  let connected = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      if (await openOne(url, headers, track, expect)) connected++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  return connected;
}

interface Message {
  type: string;
  urls?: string[];
  concurrency?: number;
  headers?: Record<string, string>;
  track?: boolean;
  expect?: number;
  ns?: number[];
  fraction?: number;
  from?: number;
}

process.on('message', (message: Message) => {
  const answer = (body: object) => process.send?.({ type: message.type, ...body });
  switch (message.type) {
    case 'open': {
      const started = preciseNow();
      void openAll(message.urls!, message.concurrency ?? 50, message.headers ?? {}, message.track ?? false, message.expect ?? 0).then((connected) =>
        answer({ connected, failed, startedAt: started, ms: preciseNow() - started }),
      );
      break;
    }
    case 'reset':
      histogram = new LatencyHistogram();
      perN = new Map();
      received = 0;
      bytes = 0;
      answer({});
      break;
    case 'stats':
      answer({ streams: streams.length, failed, closed, received, bytes, lastReceiveAt, perN: [...perN], histogram: histogram.toJSON() });
      break;
    case 'ids':
      answer({ ids: message.ns!.map((n) => idOf.get(n) ?? null) });
      break;
    case 'pause': {
      const count = Math.round(streams.length * message.fraction!);
      for (const stream of streams.slice(0, count)) {
        stream.paused = true;
        stream.socket.pause();
      }
      answer({ paused: count });
      break;
    }
    case 'closeAll':
      for (const stream of streams) stream.socket.destroy();
      streams = [];
      answer({});
      break;
    case 'replay': {
      // Every tracked stream must hold exactly from+1 .. from+expect, in order, once each.
      const tracked = streams.filter((s) => s.got);
      let exact = 0;
      let complete = 0;
      let lastCompleteAt = 0;
      for (const s of tracked) {
        if (s.completeAt) complete++;
        lastCompleteAt = Math.max(lastCompleteAt, s.completeAt);
        if (s.got!.length === s.expect && s.got!.every((n, i) => n === message.from! + 1 + i)) exact++;
      }
      answer({ tracked: tracked.length, complete, exact, lastCompleteAt });
      break;
    }
  }
});
process.on('disconnect', () => {
  for (const stream of streams) stream.socket.destroy();
  process.exit(0);
});
