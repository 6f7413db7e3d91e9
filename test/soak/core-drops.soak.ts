/**
 * Core dropped 20 times (CORE_DROPS) and restarted once, mid-stream, under the real product process
 * (standalone mode, HA_URL pointing at the simulator in this process). 40 steady clients stream
 * `soak_tick`; 10 resuming clients hang up and come back with Last-Event-ID again and again, one
 * of them the only subscriber of `soak_lonely`. Every event carries a sequence number.
 * - Steady clients get every tick fired while the service held its core subscription: in order,
 *   no duplicate, nothing missing.
 * - Resuming clients get their events in order without duplicates, and every hole in what they
 *   received (an event fired while the service was connected that they never got) is announced
 *   by a `replay_gap` on the stream that resumed after it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { EventSource } from 'eventsource';
import { HaSimulator } from '../../src/simulator/index.ts';
import { childEnv, findLine, killLeftovers, start, waitFor, type Run } from '../process-harness.ts';
import { until } from '../until.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DROPS = Number(process.env.CORE_DROPS ?? 20);
const STEADY = 40;
const RESUMING = 10;

type Item = { seq: number } | { gap: true } | { resumed: true };

/** One client's stream(s), reopened with Last-Event-ID when it resumes. */
class Client {
  readonly items: Item[] = [];
  lastId = '';
  away = false;
  connected = false;
  #es: EventSource | undefined;
  constructor(
    readonly url: string,
    readonly token: string,
    readonly type: string,
  ) {}

  open(): void {
    const lastId = this.lastId;
    this.#es = new EventSource(this.url, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${this.token}`, ...(lastId ? { 'Last-Event-ID': lastId } : {}) } }),
    });
    this.#es.onmessage = (e) => {
      const json = JSON.parse(e.data) as { type: string; error?: string; data?: { seq?: number } };
      if (json.type === 'connection') this.connected = true;
      if (json.type === this.type && typeof json.data?.seq === 'number') this.items.push({ seq: json.data.seq });
      else if (json.type === 'error' && json.error === 'replay_gap') this.items.push({ gap: true });
      if (e.lastEventId) this.lastId = e.lastEventId;
    };
  }

  /** Hangs up; the next open() resumes from the last id received. */
  leave(): void {
    this.#es?.close();
    this.away = true;
    this.items.push({ resumed: true });
  }

  back(): void {
    this.away = false;
    this.open();
  }

  close(): void {
    this.#es?.close();
  }

  seqs(): number[] {
    return this.items.flatMap((i) => ('seq' in i ? [i.seq] : []));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-drops-'));
const core = new HaSimulator({ seed: 21 });
let run: Run;
let base: string;
const clients: Client[] = [];

before(async () => {
  await core.start();
  run = start(
    ['--import', 'tsx', 'src/main.ts'],
    ROOT,
    childEnv(dir, { HA_URL: core.url, HA_TOKEN: core.adminToken, STREAM_LIMIT: '1000', MAX_CLIENTS: '200', REPLAY_BUFFER_SIZE: '5000' }),
  );
  const line = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  base = `http://127.0.0.1:${String(line.lanPort)}`;
});

after(async () => {
  for (const client of clients) client.close();
  killLeftovers();
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether the service's own core connection holds a subscription to this type right now. */
function subscribed(type: string): boolean {
  return core.activeSubscriptions().some((s) => s.userId === core.adminUser.id && s.eventTypes.includes(type));
}

test(`core dropped ${DROPS} times and restarted once with ${STEADY} steady and ${RESUMING} resuming clients`, async (t) => {
  for (let i = 0; i < STEADY; i++) clients.push(new Client(`${base}/subscribe_events?events=soak_tick`, core.adminToken, 'soak_tick'));
  const resuming = Array.from({ length: RESUMING }, (_, i) =>
    i === 0
      ? new Client(`${base}/subscribe_events?events=soak_lonely`, core.adminToken, 'soak_lonely')
      : new Client(`${base}/subscribe_events?events=soak_tick`, core.adminToken, 'soak_tick'),
  );
  clients.push(...resuming);
  for (const client of clients) client.open();
  await until(() => clients.every((c) => c.connected), 'every client connected', 20_000);
  await until(() => subscribed('soak_tick') && subscribed('soak_lonely'), 'both types subscribed in core', 20_000);

  const fired = { soak_tick: [] as number[], soak_lonely: [] as number[] };
  let seq = 0;
  let skipped = 0;
  const fire = (): void => {
    if (!subscribed('soak_tick')) return void skipped++;
    seq++;
    core.fireEvent('soak_tick', { seq });
    fired.soak_tick.push(seq);
    // The lonely type: fired whenever the service is connected, except while its only client is
    // present but the type is not (yet) subscribed again after a reconnect.
    const lonely = resuming[0]!;
    if (subscribed('soak_lonely') || lonely.away) {
      core.fireEvent('soak_lonely', { seq });
      fired.soak_lonely.push(seq);
    }
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const started = performance.now();
  let round = 0;
  for (let drop = 0; drop < DROPS; drop++) {
    // A few events, a resuming client leaves, more events, it comes back; then core goes away.
    for (let i = 0; i < 10; i++) {
      fire();
      if (i === 3) resuming[round++ % RESUMING]!.leave();
      if (i === 3 && drop % 2 === 0 && !resuming[0]!.away) resuming[0]!.leave();
      await pause(15);
    }
    for (const client of resuming) if (client.away) client.back();
    if (drop === Math.floor(DROPS / 2)) await core.restart();
    else core.dropAllConnections();
    await until(() => subscribed('soak_tick'), `resubscribed after drop ${drop + 1}`, 20_000);
    await until(() => subscribed('soak_lonely'), `soak_lonely resubscribed after drop ${drop + 1}`, 20_000);
  }
  for (let i = 0; i < 20; i++) {
    fire();
    await pause(10);
  }
  const seconds = (performance.now() - started) / 1000;

  // Wait (bounded) until every client has the last event of its type, then check each history.
  const lastOf = (type: string) => fired[type as keyof typeof fired].at(-1)!;
  await until(() => clients.every((c) => c.seqs().at(-1) === lastOf(c.type)), 'every client has the last event', 20_000).catch(() => undefined);
  let gaps = 0;
  const failures: string[] = [];
  for (const [index, client] of clients.entries()) {
    const got = client.seqs();
    const who = `client ${index} (${client.type}, ${index < STEADY ? 'steady' : 'resuming'})`;
    for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `${who}: in order, no duplicate (${got[i - 1]} then ${got[i]})`);
    const expected = fired[client.type as keyof typeof fired];
    if (index < STEADY) {
      const missing = expected.filter((s) => !got.includes(s));
      if (missing.length > 0 || got.length !== expected.length) failures.push(`${who}: missing ${missing.length} of ${expected.length} (${missing.slice(0, 5).join(',')}…)`);
      continue;
    }
    // A hole between two received events must be announced by a replay_gap in between.
    const position = new Map(expected.map((s, i) => [s, i]));
    let previous = -1;
    let announced = false;
    for (const item of client.items) {
      if ('gap' in item) announced = true;
      if (!('seq' in item)) continue;
      const at = position.get(item.seq)!;
      if (at !== previous + 1) {
        if (announced) gaps++;
        else failures.push(`${who}: events ${expected[previous + 1]}…${expected[at - 1]} missed without replay_gap`);
      }
      announced = false;
      previous = at;
    }
    if (previous !== expected.length - 1) failures.push(`${who}: stopped at ${expected[previous]} of ${expected.at(-1)}`);
  }
  t.diagnostic(
    `${DROPS} drops (one a core restart) in ${seconds.toFixed(1)} s; fired ${fired.soak_tick.length} ticks and ${fired.soak_lonely.length} lonely events ` +
      `(${skipped} skipped while unsubscribed); ${clients.length} clients, ${resuming.reduce((n, c) => n + c.items.filter((i) => 'resumed' in i).length, 0)} resumes, ${gaps} announced gaps, ${failures.length} failures`,
  );
  assert.deepEqual(failures, [], 'every client has every event or a replay_gap for what it missed');
});
