/**
 * The product's opt-ins, each against its plain streams in the same run (DOCS.md, "Batching and
 * compression"): `batch=<ms>` (one `batch` frame per window) and gzip on batched streams (the client
 * sends `Accept-Encoding: gzip`). For each mode: N streams opened afresh, then a steady window:
 * deliveries are the messages inside the frames, bytes are what crossed the wire (compressed,
 * chunk framing included). Only the product has them; the other targets skip it. No RSS per mode:
 * in one process the streams of a mode reuse what the previous mode's freed.
 */
import { type Context, type Figures, record, sleep, steadyWindow, urls } from './scenarios.ts';

interface Mode {
  label: string;
  query: string;
  headers: Record<string, string>;
}

export async function optIns(ctx: Context, f: Figures, rate: number, batchMs: number, settleSeconds: number): Promise<void> {
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
    await ctx.pool.closeAll();
    await sleep(2000);
    const opened = await ctx.pool.open(
      urls(ctx, ctx.clients, () => 'all').map((url) => url + mode.query),
      { headers: mode.headers },
    );
    if (opened.connected !== ctx.clients) throw new Error(`${mode.label}: only ${opened.connected}/${ctx.clients} streams opened`);
    await sleep(settleSeconds * 1000);
    const label = `opt-in ${mode.label}, N=${ctx.clients} steady ${rate} ev/s`;
    record(f, label, await steadyWindow(ctx, rate, ctx.duration, ctx.clients, () => 'all'));
  }
  await ctx.pool.closeAll();
}
