/**
 * The examples in `examples/` run as users run them, against the product in demo mode: the
 * Python client (standard library only) and the Node script print the room's states from the
 * `format=entities` snapshot and its changes, survive a drop of the LAN listener and resume with
 * `Last-Event-ID` (the change made while they were away arrives), then exit after the change count
 * they were given.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { type DemoServer, startDemoServer } from '../client/client-harness.ts';
import { until } from '../until.ts';

let demo: DemoServer;
let witness: EventSource;
const children: ChildProcess[] = [];
before(async () => {
  demo = await startDemoServer();
});
after(async () => {
  for (const child of children) child.kill();
  witness?.close();
  await demo.stop();
});

const root = new URL('../../', import.meta.url).pathname;

async function runExample(command: string, script: string, prefix: string): Promise<void> {
  const { sim, server, base } = demo;
  const a = `sensor.${prefix}_power`;
  const b = `light.${prefix}_lamp`;
  sim.setState(a, '1', { unit_of_measurement: 'W' });
  sim.setState(b, 'off', { brightness: 0 });
  // A stream on the ingress listener keeps core's subscription while the LAN listener is down, so
  // the change made meanwhile is in the replay buffer.
  witness?.close();
  witness = new EventSource(`http://127.0.0.1:${String(server.ingress.port)}/subscribe_events?token=${sim.adminToken}&entity_id=${a}`);
  await new Promise<void>((resolve, reject) => ((witness.onopen = () => resolve()), (witness.onerror = reject)));

  const child = spawn(command, [script, '--url', base, '--token', sim.adminToken, '--entity-id', `${a},${b}`, '--max-changes', '4'], { cwd: root });
  children.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

  await until(() => out.includes(`${a}: 1`) && out.includes(`${b}: off`), `the snapshot (output: ${out})`, 10_000);
  sim.setState(a, '2');
  await until(() => out.includes(`${a}: 2`), `the change (output: ${out})`, 5000);
  await server.lan.stop();
  sim.setState(a, '3');
  await server.lan.start();
  assert.equal(await exited, 0, out);
  assert.match(out, /# resuming after \d+/);
  assert.ok(out.includes(`${a}: 3`), `the change made during the drop arrives after the resume: ${out}`);
}

describe('examples/', () => {
  it('area_states.py (Python 3, standard library only)', { timeout: 30_000 }, async () => {
    await runExample('python3', 'examples/area_states.py', 'py_example');
  });

  it('area-states.mjs (Node, no packages)', { timeout: 30_000 }, async () => {
    await runExample(process.execPath, 'examples/area-states.mjs', 'node_example');
  });
});
