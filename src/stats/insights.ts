/**
 * Plain-language performance insights, as the monitoring article's ThroughputMonitor gives them:
 * slow processing, large messages, high throughput, plus what a Node process adds (a blocked
 * event loop, a suspected leak, failing deliveries). A pure function of the figures it is given.
 */
import { z } from 'zod';

/** One insight of `GET /api/sse/performance`. */
export const insightSchema = z.strictObject({
  level: z.enum(['warning', 'info', 'success']),
  code: z.string().describe('Stable identifier, e.g. `slow_processing`'),
  message: z.string(),
  recommendation: z.string(),
});
export type Insight = z.infer<typeof insightSchema>;

export interface InsightInput {
  /** p95 of received-from-core → written-to-socket over the recent window, ms. */
  processingP95Ms: number;
  /** Samples behind {@link processingP95Ms}; no verdict on latency without some. */
  processingSamples: number;
  /** Average frame size written to sockets, bytes (0 when nothing was sent). */
  averageMessageBytes: number;
  deliveriesPerSecond: number;
  /** Failed or dropped deliveries as a percentage of attempts over the recent window. */
  failurePercent: number;
  eventLoopDelayP99Ms: number;
  eventLoopUtilization: number;
  leakSuspected: boolean;
  leakReason: string;
}

/** Thresholds, fixed like the article's: they describe what "slow" and "large" mean for an SSE hub. */
export const INSIGHT_LIMITS = {
  slowProcessingMs: 100,
  largeMessageBytes: 10 * 1024,
  highThroughputPerSecond: 100,
  eventLoopDelayMs: 100,
  eventLoopUtilization: 0.9,
  failurePercent: 1,
  minLatencySamples: 10,
} as const;

export function performanceInsights(input: InsightInput): Insight[] {
  const out: Insight[] = [];
  const limits = INSIGHT_LIMITS;
  if (input.processingSamples >= limits.minLatencySamples && input.processingP95Ms > limits.slowProcessingMs) {
    out.push({
      level: 'warning',
      code: 'slow_processing',
      message: `Events take ${input.processingP95Ms.toFixed(0)} ms (p95) from arrival to the sockets`,
      recommendation: 'Check the event-loop delay and slow consumers; narrow subscriptions with entity_id or domain filters',
    });
  }
  if (input.averageMessageBytes > limits.largeMessageBytes) {
    out.push({
      level: 'info',
      code: 'large_messages',
      message: `Large average message size: ${(input.averageMessageBytes / 1024).toFixed(1)} KiB`,
      recommendation: 'Subscribe to fewer entities or event types; entities with large attributes dominate the size',
    });
  }
  if (input.deliveriesPerSecond > limits.highThroughputPerSecond) {
    out.push({
      level: 'success',
      code: 'high_throughput',
      message: `High throughput: ${input.deliveriesPerSecond.toFixed(1)} events per second delivered`,
      recommendation: 'The hub keeps up; watch CPU and latency if the load keeps growing',
    });
  }
  if (input.failurePercent > limits.failurePercent) {
    out.push({
      level: 'warning',
      code: 'delivery_failures',
      message: `${input.failurePercent.toFixed(1)} % of deliveries failed or were dropped`,
      recommendation: 'Slow consumers are being closed; check the clients’ networks or raise slow_consumer_limit_kb',
    });
  }
  if (input.eventLoopDelayP99Ms > limits.eventLoopDelayMs) {
    out.push({
      level: 'warning',
      code: 'event_loop_delay',
      message: `The event loop was blocked for up to ${input.eventLoopDelayP99Ms.toFixed(0)} ms (p99)`,
      recommendation: 'Something synchronous is slow; profile the process',
    });
  }
  if (input.eventLoopUtilization > limits.eventLoopUtilization) {
    out.push({
      level: 'warning',
      code: 'event_loop_saturated',
      message: `The event loop is busy ${(input.eventLoopUtilization * 100).toFixed(0)} % of the time`,
      recommendation: 'The process is near its limit; reduce clients or subscriptions, or add instances with Redis',
    });
  }
  if (input.leakSuspected) {
    out.push({ level: 'warning', code: 'memory_leak_suspected', message: input.leakReason, recommendation: 'Restart the add-on if memory keeps rising and report the issue' });
  }
  return out;
}
