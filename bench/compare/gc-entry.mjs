// Runs the module given as argv[2] (the built product, dist/main.js) unchanged, and lets the bench
// ask for a full GC over the IPC channel ('gc' → 'gc-done'; needs --expose-gc), so "RSS after GC"
// can be measured. Plain JS: no TypeScript loader in the measured process.
import { pathToFileURL } from 'node:url';

process.on('message', (message) => {
  if (message !== 'gc') return;
  globalThis.gc?.();
  process.send?.('gc-done');
});
// Without this the IPC channel would keep a product that stopped itself alive.
process.channel?.unref();
const entry = process.argv[2];
process.argv.splice(2, 1);
await import(pathToFileURL(entry).href);
