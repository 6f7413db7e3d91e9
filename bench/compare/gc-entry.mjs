// Runs the module given as argv[2] (the built product, dist/main.js) unchanged, and lets the bench
// ask for a full GC over the IPC channel ('gc' → 'gc-done'; needs --expose-gc), so "RSS after GC"
// can be measured; 'heap' is answered with the V8 heap spaces. Plain JS: no TypeScript loader in the
// measured process.
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

process.on('message', (message) => {
  if (message === 'heap') {
    // For `npm run bench -- memory`: the V8 heap by space and Node's own memory figures.
    process.send?.({ heap: { spaces: v8.getHeapSpaceStatistics(), usage: process.memoryUsage() } });
    return;
  }
  if (message !== 'gc') return;
  globalThis.gc?.();
  process.send?.('gc-done');
});
// Without this the IPC channel would keep a product that stopped itself alive.
process.channel?.unref();
const entry = process.argv[2];
process.argv.splice(2, 1);
await import(pathToFileURL(entry).href);
