/**
 * `useSSE` in a real React tree (react-test-renderer, no DOM) against the real server in demo
 * mode: the component renders the states and the status as they arrive, and unmounting closes the
 * client's stream on the server.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createElement } from 'react';
import { type ReactTestRenderer, create } from 'react-test-renderer';
import { type UseSSEResult, useSSE } from '../../src/web/client/react.ts';
import { type DemoServer, startDemoServer } from './client-harness.ts';
import { until } from '../until.ts';

let demo: DemoServer;
// React 19 announces once that react-test-renderer is deprecated (it still works and needs no
// DOM); keep that one line out of the test output.
const consoleError = console.error;
console.error = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('react-test-renderer is deprecated')) return;
  consoleError(...args);
};
before(async () => {
  demo = await startDemoServer();
});
after(async () => {
  console.error = consoleError;
  await demo.stop();
});

const seen: UseSSEResult[] = [];

function Lights(props: { url: string; token: string }) {
  const result = useSSE({ url: props.url, token: props.token, events: 'state_changed', domain: 'light', initial_state: true, cache: false });
  seen.push(result);
  return createElement(
    'ul',
    { title: result.status },
    Object.values(result.states).map((s) => createElement('li', { key: s.entity_id }, `${s.entity_id}=${s.state}`)),
  );
}

const lines = (renderer: ReactTestRenderer) => {
  const tree = renderer.toJSON() as { props: { title: string }; children: { children: string[] }[] | null } | null;
  if (!tree) return { status: 'not rendered', items: [] };
  return { status: tree.props.title, items: (tree.children ?? []).map((li) => li.children.join('')) };
};

const expectedLights = () =>
  demo.sim.core.states
    .all()
    .filter((s) => s.entity_id.startsWith('light.'))
    .map((s) => `${s.entity_id}=${s.state}`)
    .sort();

it('renders the states and the status as the stream delivers them; unmount closes the stream', async () => {
  const { sim, base, server } = demo;
  // No act(): the tree updates as the stream delivers, and the test waits for what it renders.
  const renderer = create(createElement(Lights, { url: base, token: sim.adminToken }));
  await until(() => lines(renderer).status === 'open' && lines(renderer).items.length > 0, 'open with states', 10_000);
  assert.deepEqual([...lines(renderer).items].sort(), expectedLights());
  assert.equal(server.hub.list().length, 1, 'one stream');

  sim.callService('light', 'toggle', { entity_id: 'light.office_desk' });
  const wanted = `light.office_desk=${sim.core.states.get('light.office_desk')!.state}`;
  await until(() => lines(renderer).items.includes(wanted), 'the toggle rendered', 10_000);
  const last = seen.at(-1)!;
  assert.equal(last.lastMessage?.type, 'state_changed');
  assert.ok(last.metrics && last.metrics.messagesReceived >= 2);
  assert.equal(last.error, undefined);

  renderer.unmount();
  await until(() => server.hub.list().length === 0, 'the stream closed on the server', 5000);
});

function Room(props: { url: string; token: string }) {
  const result = useSSE({ url: props.url, token: props.token, domain: 'light', format: 'entities', fields: ['state'], client: 'react_tablet', cache: false });
  return createElement(
    'ul',
    { title: result.status },
    Object.values(result.states).map((s) => createElement('li', { key: s.entity_id }, `${s.entity_id}=${s.state}`)),
  );
}

it('with format=entities the states come from the a snapshot and the c diffs', async () => {
  const { sim, base, server } = demo;
  const renderer = create(createElement(Room, { url: base, token: sim.adminToken }));
  await until(() => lines(renderer).status === 'open' && lines(renderer).items.length > 0, 'open with the snapshot', 10_000);
  assert.deepEqual([...lines(renderer).items].sort(), expectedLights());
  assert.equal(server.hub.list()[0]?.clientName, 'react_tablet');
  sim.callService('light', 'toggle', { entity_id: 'light.office_desk' });
  const wanted = `light.office_desk=${sim.core.states.get('light.office_desk')!.state}`;
  await until(() => lines(renderer).items.includes(wanted), 'the diff rendered', 10_000);
  renderer.unmount();
  await until(() => server.hub.list().length === 0, 'the stream closed on the server', 5000);
});
