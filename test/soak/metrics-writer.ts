/**
 * A child process for kill-during-write.soak.ts: writes minute rollups through the real
 * MetricsStore as fast as it can and prints `ack <ts>` after each committed write (stdout to a
 * pipe is synchronous on Linux, so an ack printed is a write committed). Killed by the soak with SIGKILL.
 */
import pino from 'pino';
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { emptyRollup } from '../../src/metrics/rollup/record.ts';

const [dataDir, startTs] = process.argv.slice(2) as [string, string];
const store = new MetricsStore({ dataDir, fileName: 'writer.db', logger: pino({ level: 'silent' }) });
store.start();
if (!store.available) {
  process.stdout.write(`unavailable ${store.unavailableReason ?? ''}\n`);
  process.exit(1);
}
let ts = Number(startTs);
const loop = (): void => {
  ts += 60_000;
  const rollup = { ...emptyRollup(ts), eventsIn: ts / 60_000 };
  if (store.writeMinute(rollup)) process.stdout.write(`ack ${ts}\n`);
  setImmediate(loop);
};
loop();
