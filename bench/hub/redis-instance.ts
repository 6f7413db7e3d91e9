/**
 * One product process for `bench/hub/redis.ts`: `SseHubServer` from `loadConfig()` (standalone mode
 * against the parent's simulator; Redis mode when the parent sets REDIS_URL). Not meant to be
 * started by hand. Messages in: {type:'stats'} | {type:'stop'}. Out: {type:'ready', url, leader}
 * and {type:'stats', deliveries, leader}.
 */
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/base/log.ts';
import { SseHubServer } from '../../src/app/server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = new SseHubServer(config, createLogger({ level: config.options.log_level }));
  await server.start();
  const send = (message: object) => process.send?.(message);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') {
      send({ type: 'stats', deliveries: server.metrics.collector.totals.deliveries, leader: server.topology.leader });
    } else if (message.type === 'stop') {
      void server.stop().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: `http://127.0.0.1:${server.lan.port}`, leader: server.topology.leader });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
