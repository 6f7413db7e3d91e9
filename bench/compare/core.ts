/**
 * The fake Home Assistant core for the comparison's product runs: the repository's simulator
 * (`src/simulator/`) on 127.0.0.1, quiet (the bench publishes through its REST API,
 * `POST /api/states/<entity_id>`). Forked by `targets.ts`; answers `{type:'ready', url, token}`.
 * Its REST call log is trimmed so a long run does not grow it.
 */
import { HaSimulator } from '../../src/simulator/index.ts';

async function main(): Promise<void> {
  const sim = new HaSimulator({ eventRate: 0 });
  await sim.start();
  sim.on('rest', () => {
    if (sim.restCalls.length > 100) sim.restCalls.splice(0, sim.restCalls.length - 100);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: sim.url, token: sim.adminToken });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
