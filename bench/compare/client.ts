/**
 * A load-client process of the comparison: opens SSE streams over bare sockets (no
 * EventSource, no JSON parsing) against any of the three servers; `sse-parser.ts` reads each
 * response (chunked, gzip, batch frames) into deliveries: event number, publish time, `id:`.
 * Bytes are counted as they cross the wire (compressed, chunk framing included).
 *
 * Messages in: open {urls, concurrency, headers?, track?, expect?} | reset | stats | ids {ns} |
 * pause {fraction} | closeAll | replay. Each is answered with a message of the same type.
 */
import net from 'node:net';
import { LatencyHistogram, preciseNow } from '../hub/latency.ts';
import { ResponseParser, idAt } from './sse-parser.ts';

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

/** Counts one delivery of event `n` (publish time `t`, NaN when absent; read at `now`) on `stream`. */
function deliver(stream: Stream, n: number, t: number, text: string, at: number, now: number): void {
  if (!Number.isNaN(t)) histogram.record(now - t);
  perN.set(n, (perN.get(n) ?? 0) + 1);
  received++;
  lastReceiveAt = now;
  if (at >= 0 && !idOf.has(n)) idOf.set(n, idAt(text, at));
  if (stream.got) {
    stream.got.push(n);
    if (stream.got.length === stream.expect) stream.completeAt = now;
  }
}

/**
 * Opens one stream over a bare socket (no http module: its per-chunk stream machinery would cost
 * more client CPU than the servers spend): writes the GET (with `headers`, e.g. `Accept-Encoding:
 * gzip`), checks for `200`, then hands every chunk to a {@link ResponseParser}.
 */
function openOne(url: string, headers: Record<string, string>, track: boolean, expect: number): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const socket = net.connect(Number(target.port), target.hostname);
    const stream: Stream = { socket, paused: false, expect, completeAt: 0, ...(track ? { got: [] } : {}) };
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
    let open = false;
    const parser = new ResponseParser(
      (head) => {
        if (head.status !== 200) {
          socket.destroy(); // counted as failed on close
          resolve(false);
          return false;
        }
        open = true;
        streams.push(stream);
        resolve(true);
        return true;
      },
      (n, t, text, at, readAt) => deliver(stream, n, t, text, at, readAt),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length; // on the wire: compressed, chunk framing included
      parser.push(chunk);
    });
    socket.on('close', () => {
      parser.close();
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
