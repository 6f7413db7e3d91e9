/**
 * The wall-tablet bench's server process: the product as `main.ts` builds it, in demo mode on
 * 127.0.0.1, with the 300-entity home of `home.ts` written into the embedded simulator, each room
 * an area of its registry (so `area=tablet_kitchen` selects the tablet's ten entities as core would
 * resolve it). Changes travel core → websocket → bridge → transport → hub like real ones, at the
 * rate the parent asks. `ready` waits until the hub's registry read resolves the tablet's area.
 *
 * Messages in: {type:'reset'} (stop publishing, write the home's first states, reseed) |
 * {type:'rate', eventsPerSecond} | {type:'stats'} | {type:'stop'}. Out: {type:'ready',
 * url, token, tablet: [entity ids], area} and {type:'stats', published, tabletEvents}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/base/log.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { until } from '../../test/until.ts';
import { type BenchEntity, ROOMS, TABLET_AREA, areaName, change, home, room } from './home.ts';
import { seededRandom } from '../seeded-random.ts';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-tablet-bench-'));
  const env = {
    PATH: process.env.PATH,
    PORT: '0',
    INGRESS_PORT: '0',
    BIND_HOST: '127.0.0.1',
    OPTIONS_PATH: join(dir, 'none.json'),
    DATA_DIR: join(dir, 'data'),
    DEMO_EVENT_RATE: '0',
    STREAM_LIMIT: '0',
    RATE_LIMIT_PER_MINUTE: '100000',
    MAX_CLIENTS: '5000',
    HA_SENSOR_INTERVAL: '0',
    LOG_LEVEL: 'error',
  };
  const server = new SseHubServer(loadConfig(env), createLogger({ level: 'error' }));
  await server.start();
  const sim = server.simulator!;
  let entities: BenchEntity[] = [];
  let random = seededRandom(20);
  // Every phase starts from the same home and replays the same sequence of changes.
  const reset = () => {
    entities = home();
    for (const entity of entities) sim.setState(entity.id, entity.state, entity.attributes);
    random = seededRandom(20);
  };
  reset();
  const registries = sim.core.registries;
  for (let i = 0; i < ROOMS; i++) {
    const area = registries.createArea(areaName(i));
    for (const entity of room(i)) {
      // The demo home has a binary_sensor.kitchen_motion of its own: its own area moves it here.
      if (registries.entities.has(entity.id)) registries.updateEntity(entity.id, { area_id: area.area_id });
      else registries.createEntity(entity.id, 'demo', { area_id: area.area_id, original_name: String(entity.attributes.friendly_name) });
    }
  }
  const tablet = new Set(room(0).map((e) => e.id));
  const selected = () => server.registries.resolve({ areas: [TABLET_AREA], floors: [], labels: [], devices: [], integrations: [] });
  await until(() => selected().size === tablet.size && [...tablet].every((id) => selected().has(id)), `the hub resolved area=${TABLET_AREA}`, 10_000);
  let published = 0;
  let tabletEvents = 0;
  let timer: NodeJS.Timeout | undefined;

  const one = () => {
    const i = Math.floor(random() * entities.length);
    const next = change(entities[i]!, random);
    entities[i] = next;
    sim.setState(next.id, next.state, next.attributes);
    published++;
    if (tablet.has(next.id)) tabletEvents++;
  };
  const rate = (eventsPerSecond: number) => {
    if (timer) clearTimeout(timer);
    const start = performance.now();
    let sent = 0;
    const loop = () => {
      const due = Math.floor(((performance.now() - start) * eventsPerSecond) / 1000);
      for (; sent < due; sent++) one();
      timer = setTimeout(loop, 10);
    };
    timer = setTimeout(loop, 10);
  };

  process.on('message', (message: { type: string; eventsPerSecond?: number }) => {
    if (message.type === 'rate') rate(message.eventsPerSecond ?? 0);
    else if (message.type === 'reset') {
      if (timer) clearTimeout(timer);
      timer = undefined;
      reset();
      process.send?.({ type: 'reset' });
    }
    else if (message.type === 'stats') process.send?.({ type: 'stats', published, tabletEvents });
    else if (message.type === 'stop') {
      if (timer) clearTimeout(timer);
      void server.stop().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${String(server.lan.port)}`, token: sim.adminToken, tablet: [...tablet], area: TABLET_AREA });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
