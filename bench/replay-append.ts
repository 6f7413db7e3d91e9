/**
 * `npm run bench -- replay-append [--events 6000] [--rounds 3]`: what trimming by the replay policy
 * costs per append in Redis, against the `XADD … MAXLEN ~ 1000` append of 0.1.0, in the same run
 * on one local redis-server: sequential appends (one round trip each, as the leader's bridge does
 * under light load), microseconds per append, and Redis's own CPU time per append.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sampleEvent } from '../test/transport/suite.ts';
import { RedisTransport } from '../src/transport/redis.ts';
import { redisClient } from '../src/transport/redis-client.ts';
import { TestRedis } from '../test/redis-server.ts';

const OLD_APPEND = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('FENCED') end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[4])`;

/** Redis's user + system CPU in ms, from /proc. */
function redisCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '6000' }, rounds: { type: 'string', default: '3' } } });
  const n = Number(values.events);
  const redis = new TestRedis();
  await redis.start();
  const client = redisClient(redis.url);
  client.on('error', () => {});
  await client.connect();
  client.defineCommand('oldAppend', { numberOfKeys: 2, lua: OLD_APPEND });
  const oldAppend = (client as unknown as { oldAppend: (...a: unknown[]) => Promise<string> }).oldAppend.bind(client);
  try {
    for (let round = 1; round <= Number(values.rounds); round++) {
      const results: string[] = [];
      for (const variant of ['0.1.0 MAXLEN ~ 1000', '0.2.0 policy trim'] as const) {
        const key = `bench:append:${round}:${variant.slice(0, 5)}`;
        const transport = variant.startsWith('0.2.0') ? new RedisTransport({ url: redis.url, key, blockMs: 200 }) : undefined;
        await transport?.start();
        const cpu = redisCpuMs(redis.pid!);
        const started = process.hrtime.bigint();
        for (let i = 0; i < n; i++) {
          const value = JSON.stringify(sampleEvent(i));
          if (transport) await transport.publish(sampleEvent(i));
          else await oldAppend(key, `${key}:lock`, '', 1000, 'e', value);
        }
        const micros = Number(process.hrtime.bigint() - started) / 1000 / n;
        const redisMicros = ((redisCpuMs(redis.pid!) - cpu) * 1000) / n;
        await transport?.stop();
        results.push(`${variant}: ${micros.toFixed(0)} µs per append, Redis CPU ${redisMicros.toFixed(1)} µs`);
      }
      console.log(`round ${round} (${n} appends each): ${results.join(' | ')}`);
    }
  } finally {
    client.disconnect();
    await redis.dispose();
  }
}
