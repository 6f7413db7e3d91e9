/**
 * `npm run bench -- tablet [--streams 1000 --duration 15 --rate 50 --selector area|entity_id]`: a
 * wall tablet showing one room. A 300-entity home changes at `rate` events/s (`home.ts`, seeded;
 * every room an area of the simulator's registry); `streams` tablets follow the room's 10
 * entities, one variant at a time, in the same run:
 *
 * - `entity_id list (today)`: the ten ids, full `state_changed` payloads: the baseline row;
 * - `area`: the room by its selector, `area=tablet_kitchen` (default `--selector area`;
 *   `--selector entity_id` puts the ten ids in every row instead, to tell the selector's cost apart);
 * - `area + fields` (`fields=state,attributes.brightness,last_changed`);
 * - `area + format=entities`, and with the same `fields`.
 *
 * `--streams 1000 --duration 15` by default (about two minutes): fewer deliveries leave the CPU figure
 * inside the baseline's noise.
 *
 * Every phase starts from the same home states and replays the same seeded changes at the same
 * rate, so the variants see the same events. Per variant: wire bytes the tablets read (socket bytes: headers of the window excluded, chunked
 * framing included) per delivery, where a delivery is one change of a room entity to one tablet
 * (a change a shaped stream does not send still counts, so the rows compare like for like), the
 * frames the tablets got, and the server's CPU per delivery above a baseline phase with one
 * stream that selects nothing (the same events through core, bridge and hub). Loopback only;
 * bounded; kills only its child.
 */
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { cpuMs } from '../hub/proc.ts';

interface Ready {
  type: 'ready';
  url: string;
  token: string;
  tablet: string[];
  /** The tablet room's area id. */
  area: string;
}
interface Stats {
  type: 'stats';
  published: number;
  tabletEvents: number;
}

/** One tablet: a raw GET that counts socket bytes and frames. */
class Tablet {
  frames = 0;
  #tail = '';
  #socket: Socket | undefined;
  readonly #req: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(url: string) {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    this.opened = new Promise((ok, fail) => ((resolve = ok), (reject = fail)));
    this.#req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`a tablet was refused: ${String(res.statusCode)}`));
      this.#socket = res.socket;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const chunk = this.#tail + text;
        let at = 0;
        let end: number;
        while ((end = chunk.indexOf('\n\n', at)) >= 0) {
          const frame = chunk.slice(at, end);
          if (!frame.includes('"type":"connection"') && !frame.includes('"type":"ping"')) this.frames++;
          at = end + 2;
        }
        this.#tail = chunk.slice(at);
        // The stream starts with `connection` and, for format=entities, the `a` snapshot.
        if (this.frames > 0 || frame0(chunk)) resolve();
      });
    });
    this.#req.on('error', (err) => reject(err));
  }

  get bytes(): number {
    return this.#socket?.bytesRead ?? 0;
  }

  close(): void {
    this.#req.destroy();
  }
}

const frame0 = (text: string) => text.includes('"type":"connection"');

function ask<T>(child: ChildProcess, message: object, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (answer: { type: string }) => {
      if (answer.type !== type) return;
      child.off('message', listener);
      resolve(answer as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  name: string;
  streams: number;
  deliveries: number;
  frames: number;
  bytes: number;
  cpuMs: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      streams: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '15' },
      rate: { type: 'string', default: '50' },
      selector: { type: 'string', default: 'area' },
    },
  });
  const streams = Number(values.streams);
  const seconds = Number(values.duration);
  const rate = Number(values.rate);
  const child = fork(new URL('./server.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`the server exited (${String(code)})`)));
    });
    const pid = child.pid!;
    const base = `${ready.url}/subscribe_events?token=${ready.token}`;
    const ids = `entity_id=${ready.tablet.join(',')}`;
    const area = values.selector === 'area' ? `area=${ready.area}` : ids;
    const fields = 'fields=state,attributes.brightness,last_changed';
    const variants: [string, string][] = [
      ['entity_id list (today)', ids],
      ['area', area],
      ['area + fields', `${area}&${fields}`],
      ['area + format=entities', `${area}&format=entities`],
      ['area + format=entities + fields', `${area}&format=entities&${fields}`],
    ];

    const measure = async (name: string, query: string, count: number): Promise<Row> => {
      await ask(child, { type: 'reset' }, 'reset');
      const tablets = Array.from({ length: count }, () => new Tablet(`${base}&${query}`));
      await Promise.all(tablets.map((t) => t.opened));
      await sleep(500); // the reset's changes and the snapshots out of the window
      child.send({ type: 'rate', eventsPerSecond: rate });
      const framesBefore = tablets.reduce((sum, t) => sum + t.frames, 0);
      const bytesBefore = tablets.reduce((sum, t) => sum + t.bytes, 0);
      const before = await ask<Stats>(child, { type: 'stats' }, 'stats');
      const cpuBefore = cpuMs(pid);
      await sleep(seconds * 1000);
      const cpuAfter = cpuMs(pid);
      const after = await ask<Stats>(child, { type: 'stats' }, 'stats');
      await sleep(200); // the last changes of the window reach the tablets
      const row = {
        name,
        streams: count,
        deliveries: (after.tabletEvents - before.tabletEvents) * count,
        frames: tablets.reduce((sum, t) => sum + t.frames, 0) - framesBefore,
        bytes: tablets.reduce((sum, t) => sum + t.bytes, 0) - bytesBefore,
        cpuMs: cpuAfter - cpuBefore,
      };
      for (const t of tablets) t.close();
      await sleep(500);
      return row;
    };

    // The baseline before and after the variants, averaged: the server's own cost drifts a little.
    const idle = 'entity_id=sensor.nothing_here';
    const first = await measure('baseline', idle, 1);
    const rows: Row[] = [];
    for (const [name, query] of variants) rows.push(await measure(name, query, streams));
    const last = await measure('baseline', idle, 1);
    const baseline = { cpuMs: (first.cpuMs + last.cpuMs) / 2 };

    console.log(`wall tablet: ${streams} tablets × 10 entities of a 300-entity home at ${rate} events/s, ${seconds} s per variant, Node ${process.version}`);
    console.log(`selector for "area": ${values.selector === 'area' ? `area=${ready.area}` : 'the entity_id list (--selector entity_id)'}`);
    console.log(`baseline: server CPU ${first.cpuMs.toFixed(0)} / ${last.cpuMs.toFixed(0)} ms (before / after) in ${seconds} s with one stream that selects nothing`);
    const header = ['variant', 'deliveries', 'frames', 'bytes/delivery', 'vs today', 'CPU µs/delivery above baseline', 'vs today', 'all server CPU µs/delivery'];
    const today = rows[0]!;
    const perDelivery = (r: Row) => r.bytes / Math.max(1, r.deliveries);
    // Above the baseline, or nothing to show when the difference is inside the baseline's drift.
    const drift = Math.abs(first.cpuMs - last.cpuMs);
    const cpuPer = (r: Row) => (r.cpuMs - baseline.cpuMs > drift ? ((r.cpuMs - baseline.cpuMs) * 1000) / Math.max(1, r.deliveries) : undefined);
    const times = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? `${(a / b).toFixed(1)}×` : 'n/a');
    const table = rows.map((r) => [
      r.name,
      String(r.deliveries),
      String(r.frames),
      perDelivery(r).toFixed(1),
      `${(perDelivery(today) / perDelivery(r)).toFixed(1)}×`,
      cpuPer(r)?.toFixed(1) ?? 'within the drift',
      times(cpuPer(today), cpuPer(r)),
      `${((r.cpuMs * 1000) / Math.max(1, r.deliveries)).toFixed(1)}`,
    ]);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const line of table) console.log(`| ${line.join(' | ')} |`);
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(undefined);
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }
}
