/**
 * The product's opt-ins, each against its plain streams in the same run (DOCS.md, "Batching and
 * compression"): `batch=<ms>` (one `batch` frame per window) and gzip on batched streams (the client
 * sends `Accept-Encoding: gzip`). Each mode gets a fresh product process: RSS growth of its N idle
 * streams on `all`, then a steady window per rate. Deliveries are the messages inside the frames
 * (each with its own latency), bytes are what crossed the wire (compressed, chunk framing included).
 * Only the product has them; the other targets skip it (their cells show —).
 */
import { type FreshContext, withFreshTarget } from './fresh.ts';
import { type Figures, idleGrowth, record, sleep, steadyWindow, urls } from './scenarios.ts';

interface Mode {
  label: string;
  query: string;
  headers: Record<string, string>;
}

export async function optIns(ctx: FreshContext, f: Figures, rates: number[], batchMs: number, settleSeconds: number): Promise<void> {
  if (ctx.target.name !== 'product') {
    ctx.log(`${ctx.target.name}: no batch or gzip opt-ins; skipped`);
    return;
  }
  const modes: Mode[] = [
    { label: 'plain', query: '', headers: {} },
    { label: `batch=${batchMs}`, query: `&batch=${batchMs}`, headers: {} },
    { label: `batch=${batchMs} + gzip`, query: `&batch=${batchMs}`, headers: { 'Accept-Encoding': 'gzip' } },
  ];
  for (const mode of modes) {
    await withFreshTarget(ctx, async (c) => {
      await sleep(2000);
      const streams = urls(c, c.clients, () => 'all').map((url) => url + mode.query);
      await idleGrowth(c, f, `opt-in ${mode.label}: RSS per idle stream, N=${c.clients} (fresh process)`, streams, settleSeconds, mode.headers);
      for (const rate of rates) record(f, `opt-in ${mode.label}, N=${c.clients} steady ${rate} ev/s`, await steadyWindow(c, rate, c.duration, c.clients, () => 'all'));
    });
  }
}
