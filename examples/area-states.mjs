#!/usr/bin/env node
// Follow one room's states from SSE Hub with Node 20's own fetch, no packages:
//
//   node examples/area-states.mjs --url http://homeassistant.local:3000 --token TOKEN --entity-id light.kitchen,sensor.kitchen_temperature
//   node examples/area-states.mjs --url ... --token ... --area kitchen
//
// Asks for `format=entities` (Home Assistant's compressed states: `a` adds, `c` changes, `r`
// removes), prints `<entity_id>: <state>` for every state that changes, and reconnects with
// `Last-Event-ID` after a drop. In a browser or a bundler, `sse-hub/client` (or the hub's
// `/client.js`) does all of this with `connect({ format: 'entities', ... })` and `client.states`.
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    area: { type: 'string' },
    'entity-id': { type: 'string' },
    fields: { type: 'string', default: 'state' },
    client: { type: 'string', default: 'node_example' },
    'max-changes': { type: 'string', default: '0' },
  },
});
if (!args.url || !args.token) {
  console.error('usage: node examples/area-states.mjs --url <hub> --token <token> (--area <id> | --entity-id <ids>)');
  process.exit(2);
}

const query = new URLSearchParams({ format: 'entities', fields: args.fields, client: args.client });
if (args.area) query.set('area', args.area);
if (args['entity-id']) query.set('entity_id', args['entity-id']);
const maxChanges = Number(args['max-changes']);

const states = new Map();
let lastEventId;
let printed = 0;

/** Applies one a/c/r message; returns the ids whose state changed. */
function apply(message, fresh) {
  const changed = [];
  if (message.a && fresh) states.clear(); // the first `a` of a new stream is the whole selection
  for (const [id, s] of Object.entries(message.a ?? {})) {
    states.set(id, { state: s.s, attributes: { ...(s.a ?? {}) } });
    changed.push(id);
  }
  for (const [id, diff] of Object.entries(message.c ?? {})) {
    const state = states.get(id);
    if (!state) continue;
    if (diff['+'] && 's' in diff['+']) state.state = diff['+'].s;
    Object.assign(state.attributes, diff['+']?.a ?? {});
    for (const key of diff['-']?.a ?? []) delete state.attributes[key];
    changed.push(id);
  }
  for (const id of message.r ?? []) if (states.delete(id)) changed.push(id);
  return changed;
}

async function once() {
  const headers = { Authorization: `Bearer ${args.token}`, Accept: 'text/event-stream' };
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  const res = await fetch(`${args.url.replace(/\/+$/, '')}/subscribe_events?${query}`, { headers });
  if (res.status !== 200) throw Object.assign(new Error(`SSE Hub answered ${res.status}: ${await res.text()}`), { fatal: true });
  let fresh = lastEventId === undefined;
  let retryMs = 1000;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        else if (line.startsWith('id:')) lastEventId = line.slice(3).trim();
        else if (line.startsWith('retry:')) retryMs = Number(line.slice(6));
      }
      if (data.length === 0) continue;
      const message = JSON.parse(data.join('\n'));
      if ('type' in message) {
        if (message.type === 'error') console.log(`# ${message.error}: ${message.message}`);
        continue;
      }
      for (const id of apply(message, fresh)) {
        console.log(`${id}: ${states.get(id)?.state ?? '(removed)'}`);
        if (maxChanges > 0 && ++printed >= maxChanges) process.exit(0);
      }
      fresh = false;
    }
  }
  return retryMs;
}

for (;;) {
  let waitMs = 1000;
  try {
    if (lastEventId) console.log(`# resuming after ${lastEventId}`);
    waitMs = await once();
  } catch (err) {
    if (err.fatal) {
      console.error(err.message);
      process.exit(1);
    }
    console.log(`# connection lost: ${err.message}`);
  }
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}
