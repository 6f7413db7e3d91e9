/**
 * A load-generating process: opens many SSE streams with raw `http` requests and a minimal SSE
 * scan (no JSON parsing, no EventSource) so the client costs as little as possible, and measures
 * each event's latency from the publish time it carries (`data.t`, else the payload's timestamp).
 *
 * Messages in: {type:'open', url, count, concurrency} | {type:'reset'} | {type:'stats'}.
 * Messages out: {type:'opened', connected, failed} | {type:'stats', ...}.
 */
import http from 'node:http';
import { LatencyHistogram, preciseNow } from './latency.ts';

let histogram = new LatencyHistogram();
let received = 0;
/** Deliveries per event id, so the orchestrator can count exactly the events of its window. */
let perId = new Map<string, number>();
let connected = 0;
let failed = 0;
let closed = 0;
const requests: http.ClientRequest[] = [];

// Frames the hub writes itself (not Home Assistant events); they carry the stream's last id, not their own.
const SYSTEM = new Set(['connection', 'ping', 'error', 'alert']);

/** Scans complete frames in `text` from `start`; returns where the unfinished rest begins. */
function scan(text: string): number {
  let pos = 0;
  let end: number;
  while ((end = text.indexOf('\n\n', pos)) >= 0) {
    const typeAt = text.indexOf('"type":"', pos);
    if (typeAt >= 0 && typeAt < end) {
      const typeEnd = text.indexOf('"', typeAt + 8);
      const type = text.slice(typeAt + 8, typeEnd);
      if (!SYSTEM.has(type)) {
        const now = preciseNow();
        let sentAt = NaN;
        const tAt = text.indexOf('"t":', typeEnd);
        if (tAt >= 0 && tAt < end) {
          sentAt = parseFloat(text.slice(tAt + 4, tAt + 30));
        } else {
          const tsAt = text.lastIndexOf('"timestamp":"', end);
          if (tsAt > pos) sentAt = Date.parse(text.slice(tsAt + 13, tsAt + 37));
        }
        if (!Number.isNaN(sentAt)) histogram.record(now - sentAt);
        received++;
        const idAt = text.indexOf('id: ', pos);
        if (idAt >= 0 && idAt < typeAt) {
          const id = text.slice(idAt + 4, text.indexOf('\n', idAt));
          perId.set(id, (perId.get(id) ?? 0) + 1);
        }
      }
    }
    pos = end + 2;
  }
  return pos;
}

function openOne(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, { agent: false, headers: { Accept: 'text/event-stream' } });
    requests.push(req);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        failed++;
        res.resume();
        resolve();
        return;
      }
      connected++;
      let rest = '';
      res.on('data', (chunk: Buffer) => {
        // latin1 keeps byte offsets and is the cheapest decode; only ASCII fields are read.
        const text = rest ? rest + chunk.toString('latin1') : chunk.toString('latin1');
        const used = scan(text);
        rest = used < text.length ? text.slice(used) : '';
      });
      res.on('close', () => closed++);
      resolve();
    });
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end();
  });
}

async function openAll(url: string, count: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await openOne(url);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

process.on('message', (message: { type: string; url?: string; count?: number; concurrency?: number }) => {
  if (message.type === 'open') {
    const [c0, f0] = [connected, failed];
    void openAll(message.url!, message.count!, message.concurrency ?? 50).then(() =>
      process.send?.({ type: 'opened', connected: connected - c0, failed: failed - f0 }),
    );
  } else if (message.type === 'reset') {
    histogram = new LatencyHistogram();
    received = 0;
    perId = new Map();
    process.send?.({ type: 'reset' });
  } else if (message.type === 'stats') {
    process.send?.({ type: 'stats', connected, failed, closed, received, perId: [...perId], histogram: histogram.toJSON() });
  }
});
process.on('disconnect', () => {
  for (const req of requests) req.destroy();
  process.exit(0);
});
