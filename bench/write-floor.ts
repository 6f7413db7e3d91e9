/**
 * `npm run bench -- write-floor [--clients 1000 --rate 50 --duration 6 --bytes 680]`: the cost of
 * the one thing an SSE fan-out cannot avoid, a socket `write()` per subscriber per event, with no
 * HTTP, no hub and no JSON: a bare `node:net` server writes the same Buffer to N loopback sockets
 * at R events/s while two client processes read. Reports server CPU per write (user + kernel), the
 * floor under the hub benchmark's "CPU per delivery". Loopback only; bounded; kills only its children.
 */
import { type ChildProcess, fork } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';

const CLIENT_FLAG = '--write-floor-client';

/** A client process: opens `count` connections to `port` and reads everything. */
function client(port: number, count: number): void {
  for (let i = 0; i < count; i++) net.connect(port, '127.0.0.1').resume();
  process.on('disconnect', () => process.exit(0));
}

async function server(clients: number, rate: number, seconds: number, bytes: number): Promise<void> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((socket) => {
    socket.setNoDelay(true); // as the hub's streams
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  const half = Math.ceil(clients / 2);
  const children: ChildProcess[] = [half, clients - half].map((count) =>
    fork(new URL(import.meta.url).pathname, [CLIENT_FLAG, String(port), String(count)], { execArgv: ['--import', 'tsx'] }),
  );
  try {
    const deadline = Date.now() + 30_000;
    while (sockets.length < clients) {
      if (Date.now() > deadline) throw new Error(`only ${sockets.length} of ${clients} clients connected`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const frame = Buffer.alloc(bytes, 'x');
    let writes = 0;
    const before = process.cpuUsage();
    const started = performance.now();
    await new Promise<void>((resolve) => {
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) * rate) / 1000);
        for (; sent < due; sent++) {
          for (const socket of sockets) socket.write(frame);
          writes += sockets.length;
        }
        if (performance.now() - started >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, Math.max(1, Math.floor(1000 / rate / 2)));
    });
    const cpu = process.cpuUsage(before);
    const total = cpu.user + cpu.system;
    console.log(`write floor: ${clients} loopback sockets, ${rate} events/s for ${seconds} s, ${bytes}-byte frames, Node ${process.version}`);
    console.log(`writes ${writes} (${Math.round(writes / seconds)}/s)`);
    console.log(`server CPU per write ${(total / writes).toFixed(2)} µs, of which kernel ${Math.round((cpu.system / total) * 100)} %`);
  } finally {
    for (const child of children) child.kill();
    for (const socket of sockets) socket.destroy();
    srv.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      clients: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '6' },
      bytes: { type: 'string', default: '680' },
    },
  });
  await server(Number(values.clients), Number(values.rate), Number(values.duration), Number(values.bytes));
}

if (process.argv[2] === CLIENT_FLAG) client(Number(process.argv[3]), Number(process.argv[4]));
