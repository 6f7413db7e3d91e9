/**
 * Benchmark dispatcher: `npm run bench -- <scenario> [options]`. Each scenario lives in its own
 * folder and is loaded only when asked for; add one by adding an entry to SCENARIOS.
 */
interface Scenario {
  description: string;
  run(args: string[]): Promise<void>;
}

const SCENARIOS: Record<string, Scenario> = {
  hub: {
    description: 'SSE fan-out: N subscribers, steady and burst event rates, latency, RSS and CPU per delivery',
    run: async (args) => (await import('./hub/scenario.ts')).run(args),
  },
  redis: {
    description: 'Memory transport (1 instance) against Redis mode (3 instances × N streams) in one run: deliveries/s, latency, CPU per delivery',
    run: async (args) => (await import('./hub/redis.ts')).run(args),
  },
  compare: {
    description: 'This product against nginx + nchan and a node:http tutorial server in one run: steady, burst, idle RSS, replay storm, slow consumers, selective filters',
    run: async (args) => (await import('./compare/compare.ts')).run(args),
  },
  h2: {
    description: 'Server CPU per delivery on the TLS port: HTTP/2 against HTTP/1.1, N streams at R events/s, alternating rounds in one run',
    run: async (args) => (await import('./h2.ts')).run(args),
  },
  'write-floor': {
    description: 'The floor under CPU per delivery: bare node:net writes of one frame to N loopback sockets',
    run: async (args) => (await import('./write-floor.ts')).run(args),
  },
  idle: {
    description: 'What the product costs while nothing happens: CPU ms/s and RSS with 0 and N idle streams, from /proc (--cpu-prof DIR to see what wakes it)',
    run: async (args) => (await import('./idle.ts')).run(args),
  },
  'event-path': {
    description: 'CPU and heap bytes per incoming event from core frame to routing and the shared frame, in process with N streams on distinct filters (run with node --expose-gc --max-semi-space-size=64)',
    run: async (args) => (await import('./event-path.ts')).run(args),
  },
  memory: {
    description: "Where the product's resident memory goes before any stream (anonymous and file-backed, smaps mappings, V8 heap spaces), next to a bare node",
    run: async (args) => (await import('./memory.ts')).run(args),
  },
  'replay-memory': {
    description: 'Bytes per 1000 events held for replay: parsed objects (before 0.2.0) against the text ring and the Redis stream (0.2.0)',
    run: async (args) => (await import('./replay-memory.ts')).run(args),
  },
  'replay-append': {
    description: 'Redis append cost: the 0.2.0 replay-policy trim against 0.1.0 MAXLEN ~ 1000, in one run',
    run: async (args) => (await import('./replay-append.ts')).run(args),
  },
  tablet: {
    description: 'Wall tablet: one room of 10 entities out of a 300-entity home at 50 ev/s; bytes and CPU per delivery for the entity_id list, area, area+fields and format=entities in one run',
    run: async (args) => (await import('./tablet/scenario.ts')).run(args),
  },
  store: {
    description: 'Metrics store: 30 days of minute rollups into SQLite, query time per period (target 30d <= 5 ms)',
    run: async (args) => (await import('./store.ts')).run(args),
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) {
    console.log('usage: npm run bench -- <scenario> [options]\n\nscenarios:');
    for (const [key, s] of Object.entries(SCENARIOS)) console.log(`  ${key.padEnd(12)} ${s.description}`);
    process.exitCode = name ? 2 : 0;
    return;
  }
  await scenario.run(args);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
