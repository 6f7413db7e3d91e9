// The "tutorial" reference: the SSE server a Node tutorial shows, on bare node:http, nothing more.
// GET /sub/<channel> opens a stream; POST /pub/<channel> sends the body to that channel's streams as
// `id: <n>\ndata: <body>\n\n`. No replay, no back-pressure handling, no auth. Run with plain `node`
// (no TypeScript loader) by bench/compare/targets.ts: argv[2] is the port. With an IPC channel,
// the message 'gc' runs a full GC (needs --expose-gc) and answers 'gc-done'.
import http from 'node:http';

const channels = new Map();
let nextId = 0;

const server = http.createServer((req, res) => {
  const [, kind, channel] = (req.url ?? '').split('/');
  if (req.method === 'GET' && kind === 'sub' && channel) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    let set = channels.get(channel);
    if (!set) channels.set(channel, (set = new Set()));
    set.add(res);
    req.on('close', () => set.delete(res));
  } else if (req.method === 'POST' && kind === 'pub' && channel) {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const frame = `id: ${++nextId}\ndata: ${body}\n\n`;
      for (const sub of channels.get(channel) ?? []) sub.write(frame);
      res.end('ok');
    });
  } else {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('message', (message) => {
  if (message !== 'gc') return;
  globalThis.gc?.();
  process.send?.('gc-done');
});
process.on('SIGTERM', () => process.exit(0));
