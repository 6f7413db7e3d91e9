/**
 * A load-client process of the comparison: opens SSE streams with raw `http` requests (no
 * EventSource, no JSON parsing) against any of the three servers and scans each frame for the
 * `id:` line and the event's `"t":` (publish time) and `"n":` (event number). Frames without `"n":`
 * (the product's `connection`/`ping`, nchan's comments) are not events.
 *
 * Messages in: open {urls, concurrency, headers?, track?, expect?} | reset | stats | ids {ns} |
 * pause {fraction} | closeAll | replay. Each is answered with a message of the same type.
 */
import http from 'node:http';
import { LatencyHistogram, preciseNow } from '../hub/latency.ts';

interface Stream {
  req: http.ClientRequest;
  res?: http.IncomingMessage;
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

function scan(stream: Stream, text: string): number {
  let pos = 0;
  let end: number;
  while ((end = text.indexOf('\n\n', pos)) >= 0) {
    const nAt = text.indexOf('"n":', pos);
    if (nAt >= 0 && nAt < end) {
      const now = preciseNow();
      const n = parseInt(text.slice(nAt + 4, nAt + 24), 10);
      const tAt = text.indexOf('"t":', pos);
      if (tAt >= 0 && tAt < end) histogram.record(now - parseFloat(text.slice(tAt + 4, tAt + 30)));
      perN.set(n, (perN.get(n) ?? 0) + 1);
      received++;
      lastReceiveAt = now;
      if (!idOf.has(n)) {
        const line = text.startsWith('id: ', pos) ? pos - 1 : text.indexOf('\nid: ', pos);
        if (line >= pos - 1 && line < end) idOf.set(n, text.slice(line + 5, text.indexOf('\n', line + 1)));
      }
      if (stream.got) {
        stream.got.push(n);
        if (stream.got.length === stream.expect) stream.completeAt = now;
      }
    }
    pos = end + 2;
  }
  return pos;
}

function openOne(url: string, headers: Record<string, string>, track: boolean, expect: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(url, { agent: false, headers: { Accept: 'text/event-stream', ...headers } });
    const stream: Stream = { req, paused: false, expect, completeAt: 0, ...(track ? { got: [] } : {}) };
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        failed++;
        res.resume();
        resolve(false);
        return;
      }
      stream.res = res;
      streams.push(stream);
      let rest = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // latin1: byte offsets, cheapest decode; only ASCII fields are read.
        const text = rest ? rest + chunk.toString('latin1') : chunk.toString('latin1');
        const used = scan(stream, text);
        rest = used < text.length ? text.slice(used) : '';
      });
      res.on('close', () => closed++);
      resolve(true);
    });
    req.on('error', () => {
      failed++;
      resolve(false);
    });
    req.end();
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
        stream.res?.pause();
      }
      answer({ paused: count });
      break;
    }
    case 'closeAll':
      for (const stream of streams) stream.req.destroy();
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
  for (const stream of streams) stream.req.destroy();
  process.exit(0);
});
