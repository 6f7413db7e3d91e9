/**
 * Scenarios that need a server process of their own (nothing freed by earlier scenarios reused, so
 * RSS growth is the cost of the streams): `fresh` (N=10 000 idle streams, then steady) and each
 * mode of `optins`. The process is started, measured and stopped here, by its own PIDs.
 */
import { Publisher } from './publisher.ts';
import { type Context, type Figures, idle, steady } from './scenarios.ts';
import type { Target } from './targets.ts';

export interface FreshContext extends Context {
  /** A new, not yet started, target of the same kind. */
  make: () => Target;
  /** Told about the running target, so the run's time limit can stop it. */
  running: (target: Target) => void;
}

/** Starts a fresh target, runs `body` against it with its own publisher, then stops it. */
export async function withFreshTarget(ctx: FreshContext, body: (c: Context) => Promise<void>): Promise<void> {
  const target = ctx.make();
  ctx.running(target);
  const c: Context = { ...ctx, target, publisher: new Publisher(target) };
  try {
    await target.start();
    await body(c);
  } finally {
    c.publisher.close();
    await ctx.pool.closeAll().catch(() => undefined);
    await target.stop();
  }
}

/** A fresh process: RSS before any stream (and its split), `size` idle streams on `all`, then steady `rate` to them. */
export async function freshIdle(ctx: FreshContext, f: Figures, size: number, rate: number, settleSeconds: number): Promise<void> {
  await withFreshTarget(ctx, async (c) => {
    const sized = { ...c, clients: size };
    await idle(sized, f, settleSeconds, true);
    await steady(sized, f, rate);
  });
}
