/**
 * A child process that writes metric minutes into a real MetricsStore as fast as it can (heavy
 * writes, one IMMEDIATE transaction each, as the running add-on does once a minute), printing the
 * count after every 50 writes. It stops itself after `maxMs`.
 */
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { emptyRollup } from '../../src/metrics/rollup/record.ts';
import { createLogger } from '../../src/base/log.ts';

const [dir, maxMsText] = process.argv.slice(2);
const store = new MetricsStore({ dataDir: dir!, logger: createLogger({ level: 'error' }), now: () => Date.now() });
store.start();
const start = Date.now();
let minute = Math.floor(start / 60_000) * 60_000 - 24 * 60 * 60_000;
let writes = 0;
const tick = () => {
  for (let i = 0; i < 50; i++) {
    const rollup = { ...emptyRollup(minute), eventsIn: writes, deliveries: writes * 3 };
    minute += 60_000;
    store.writeMinute(rollup);
    writes++;
  }
  process.stdout.write(`wrote ${String(writes)}\n`);
  if (Date.now() - start > Number(maxMsText)) {
    store.stop();
    process.exit(0);
  }
  setImmediate(tick);
};
tick();
process.on('SIGTERM', () => {
  store.stop();
  process.exit(0);
});
