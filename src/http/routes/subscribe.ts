/**
 * `GET` and `POST /subscribe_events` (DOCS.md): parses the request into a typed subscription,
 * authenticates, applies permissions and limits, writes the SSE headers and hands the stream
 * (`stream-start.ts`: over HTTP/1.x the socket, taken over from the HTTP server; over HTTP/2 the
 * request's stream) to the hub. Everything after
 * the headers is the hub's.
 *
 * An EventSource gives up for good on a non-200 answer, so transient refusals (429 rate limits,
 * 503 client limit or shutdown) are answered to `Accept: text/event-stream` requests as a 200
 * stream holding one `error` event with a `retry:` hint, then closed: the browser retries later.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type { Hub } from '../../hub/hub.ts';
import { FileLimitError, HubFullError, HubStoppedError } from '../../hub/errors.ts';
import { ALL_TYPES, type EventFilter, createFilter } from '../../hub/filter.ts';
import { encodeFrame, errorPayload } from '../../hub/frame.ts';
import { isGlob } from '../../hub/selection.ts';
import { type EntitySelectors, type HubObserver, NON_ADMIN_EVENT_TYPES, type User } from '../../base/types.ts';
import { type Authenticator, tokenOf } from '../auth.ts';
import { clientAddress } from '../client-address.ts';
import { readJsonBody } from '../body.ts';
import { HttpError, badRequest, forbidden, serviceUnavailable } from '../errors.ts';
import { listenerOf } from '../listeners.ts';
import { type RateLimit, RateLimitedError, type RateLimits, rateLimit, rateLimitHeaders } from '../rate-limit.ts';
import { headersFor, startStream } from '../stream-start.ts';
import type { StreamEncoder } from '../stream-encoder.ts';
import { isoTime } from '../../base/iso-time.ts';

/** Stream slots shared by several instances (Redis mode: src/cluster/stream-slots.ts). */
export interface StreamSlots {
  /** Holds a slot for stream `connectionId`; false when every slot of the cluster is taken. */
  reserve(connectionId: string): Promise<boolean>;
  /** Gives back a slot whose stream did not open. */
  release(connectionId: string): Promise<void>;
}

export interface SubscribeRouterOptions {
  hub: Hub;
  /** `max_clients` across instances, checked after this instance's own. Default: this instance's only. */
  slots?: StreamSlots;
  auth: Authenticator;
  limits: RateLimits;
  /** Encodes each frame once for every stream it goes to (one per app: the composition root makes it). */
  encoder: StreamEncoder;
  /** Told about rate-limit rejections. */
  observer?: Pick<HubObserver, 'rateLimited'>;
  /** Seconds a client is told to wait when every stream slot is taken. Default 5. */
  fullRetrySeconds?: number;
}

/** A validated subscription request. */
export interface SubscribeParams {
  token?: string;
  /** Requested event types (`events` plus the `type=state` alias); undefined = the user's default. */
  events?: string[];
  entityIds: string[];
  domains: string[];
  /** `entity_id` values with `*` or `?` (DOCS.md, "Selecting entities"). */
  entityGlobs: string[];
  /** The registry selectors (`area_id`, `floor_id`, `label_id`, `device_id`, `integration`). */
  selectors: EntitySelectors;
  initialState: boolean;
  lastEventId?: string;
  /** Coalesce live events into one `batch` frame per this many milliseconds; 0: one frame per event. */
  batchMs: number;
}

const MAX_ITEMS = 500;
/** The longest batch window a stream may ask for (`batch=<ms>`). */
export const MAX_BATCH_MS = 10_000;
const SLUG = /^[a-z0-9_]{1,64}$/;
const ENTITY_ID = /^[a-z0-9_]{1,64}\.[a-z0-9_]{1,255}$/;
/** An `entity_id` glob: entity id characters plus `*` and `?`, with at least one wildcard. */
const ENTITY_GLOB = /^(?=.*[*?])[a-z0-9_.*?]{1,320}$/;
/** Area, floor, label and device ids and integration domains: core's slugs (device ids are 32 hex digits). */
const REGISTRY_ID = /^[a-z0-9_]{1,64}$/;
/** The registry selector fields and their aliases (DOCS.md, "Selecting entities"); their problems answer `invalid_filter`. */
const SELECTOR_FIELDS: ReadonlySet<string> = new Set(['area_id', 'area', 'floor_id', 'floor', 'label_id', 'label', 'device_id', 'integration']);

/** A comma list (query or body) or a JSON array of strings; empty items are dropped. */
const list = (pattern: Pick<RegExp, 'test'>, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => item.split(','))
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().refine((item) => pattern.test(item), { error: (issue) => `${JSON.stringify(issue.input)} is not a valid ${what}` }))
        .max(MAX_ITEMS, `at most ${MAX_ITEMS} items`),
    );

const single = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (Array.isArray(value) && value.length === 1 ? value[0] : value), schema);

/** The stream parameters (query or JSON body); `src/http/openapi.ts` publishes it as JSON Schema. */
export const paramsSchema = z.strictObject({
  token: single(z.string()).optional(),
  events: list(SLUG, 'event type').optional(),
  entity_id: list({ test: (item: string) => ENTITY_ID.test(item) || ENTITY_GLOB.test(item) }, 'entity id (domain.object_id, or a glob with * and ?)')
    .describe('Entity ids, or globs with `*` and `?` (`sensor.*_power`).')
    .optional(),
  domain: list(SLUG, 'domain').optional(),
  area_id: list(REGISTRY_ID, 'area id').describe('Areas: their entities, and the entities of their devices that have no area of their own.').optional(),
  area: list(REGISTRY_ID, 'area id').describe('Alias of area_id.').optional(),
  floor_id: list(REGISTRY_ID, 'floor id').describe('Floors: the entities of their areas.').optional(),
  floor: list(REGISTRY_ID, 'floor id').describe('Alias of floor_id.').optional(),
  label_id: list(REGISTRY_ID, 'label id').describe('Labels: labelled entities, and the entities of labelled devices and areas.').optional(),
  label: list(REGISTRY_ID, 'label id').describe('Alias of label_id.').optional(),
  device_id: list(REGISTRY_ID, 'device id').describe('Devices: their entities.').optional(),
  integration: list(REGISTRY_ID, 'integration domain').describe('Integrations: the entities they provide (registry platform).').optional(),
  type: single(z.literal('state', { error: 'the only type is "state"' })).optional(),
  initial_state: single(
    z.union([z.boolean(), z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' })]),
  ).optional(),
  last_event_id: single(z.string().max(256).regex(/^[^\r\n\0]*$/, 'must be one line')).optional(),
  batch: single(
    z.union([z.number(), z.string().regex(/^\d{1,6}$/).transform(Number)], { error: 'must be a whole number of milliseconds' }).pipe(
      z.number().int().min(0).max(MAX_BATCH_MS, `must be 0 to ${MAX_BATCH_MS} milliseconds`),
    ),
  ).optional(),
});

/** Validates query or body fields; throws a 400 naming every problem as `field: message`. */
export function parseSubscribeParams(input: Record<string, unknown>): SubscribeParams {
  const result = paramsSchema.safeParse(input);
  if (!result.success) {
    // The selectors answer `invalid_filter`; the older parameters keep `invalid_parameter` (DOCS.md, "Errors").
    const code = result.error.issues.some((issue) => SELECTOR_FIELDS.has(String(issue.path[0]))) ? 'invalid_filter' : 'invalid_parameter';
    const problems = result.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : `${String(issue.path[0] ?? '(root)')}: ${issue.message}`,
    );
    throw badRequest(problems.join('; '), code);
  }
  const params = result.data;
  const both = (a: string[] | undefined, b: string[] | undefined) => [...new Set([...(a ?? []), ...(b ?? [])])];
  const entityIds = params.entity_id ?? [];
  const events = [...(params.events ?? []), ...(params.type === 'state' ? ['state_changed'] : [])];
  return {
    token: params.token,
    events: events.length > 0 ? [...new Set(events)] : undefined,
    entityIds: entityIds.filter((id) => !isGlob(id)),
    domains: params.domain ?? [],
    entityGlobs: entityIds.filter(isGlob),
    selectors: {
      areas: both(params.area_id, params.area),
      floors: both(params.floor_id, params.floor),
      labels: both(params.label_id, params.label),
      devices: both(params.device_id, undefined),
      integrations: both(params.integration, undefined),
    },
    initialState: params.initial_state === true || params.initial_state === 'true' || params.initial_state === '1',
    lastEventId: params.last_event_id || undefined,
    batchMs: params.batch ?? 0,
  };
}

/** Applies the permission rules: admins take any type; other users only core's allowlist (docs/home-assistant.md §11). */
export function filterFor(user: User, params: SubscribeParams): EventFilter {
  const selectors = { globs: params.entityGlobs, selectors: params.selectors };
  if (!params.events) return createFilter(user.isAdmin ? ALL_TYPES : NON_ADMIN_EVENT_TYPES, params.entityIds, params.domains, selectors);
  if (!user.isAdmin) {
    const denied = params.events.filter((type) => !NON_ADMIN_EVENT_TYPES.has(type));
    if (denied.length > 0) {
      throw forbidden(`Only administrators may subscribe to ${denied.join(', ')}`, 'forbidden_event_type');
    }
  }
  return createFilter(params.events, params.entityIds, params.domains, selectors);
}

function wantsEventStream(ctx: Koa.Context): boolean {
  return ctx.get('Accept').includes('text/event-stream');
}

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const;

export function subscribeRouter(options: SubscribeRouterOptions): Router {
  const { hub, auth, limits, observer, encoder, slots } = options;
  const fullRetrySeconds = options.fullRetrySeconds ?? 5;

  const handle = async (ctx: Koa.Context): Promise<void> => {
    // A POST whose token is not in its body is authenticated before the body is read.
    const early = ctx.method === 'POST' && tokenOf(ctx.req) ? await auth.authenticate(ctx.req) : undefined;
    const raw = ctx.method === 'POST' ? await readJsonBody(ctx) : (ctx.query as Record<string, unknown>);
    const params = parseSubscribeParams(raw);
    const header = ctx.get('Last-Event-ID');
    if (header.length > 256) throw badRequest('Last-Event-ID is too long', 'invalid_parameter');
    const lastEventId = header || params.lastEventId;
    const state = early ?? (await auth.authenticate(ctx.req, params.token));
    const filter = filterFor(state.user, params);
    if (ctx.method === 'HEAD') {
      // The router answers HEAD with this handler; a HEAD response must not carry the stream.
      ctx.set(headersFor(ctx.req, STREAM_HEADERS));
      ctx.status = 200;
      return;
    }
    const ip = clientAddress(ctx.req);
    // The panel's streams (ingress) and resumes (a reconnect with a Last-Event-ID) are not new
    // streams a person opened: a dashboard reload or a network blip must not use up the budget.
    // `stream_limit: 0` turns the window off (a benchmark opening thousands of streams from one address).
    if (state.authSource !== 'ingress' && listenerOf(ctx.req) !== 'ingress' && !lastEventId && limits.streams.points > 0) {
      // Per user and address, so one misbehaving device does not lock out the user's others.
      const decision = await limits.streams.consume(`${state.user.id}@${ip}`);
      if (!decision.allowed) {
        observer?.rateLimited('stream');
        throw new RateLimitedError(streamLimitMessage(limits.streams, decision.retryAfterMs), decision);
      }
    }
    try {
      hub.assertCapacity();
    } catch (err) {
      throw hubErrorToHttp(err, fullRetrySeconds);
    }
    const res = ctx.res;
    if (!res.socket) throw badRequest('The connection is not ready for a stream (pipelined request?)');
    // The cluster-wide slot is held under the stream's id; the stream's registry entry replaces it.
    const id = randomUUID();
    if (slots && !(await slots.reserve(id))) {
      throw hubErrorToHttp(new HubFullError(hub.limits.maxClients), fullRetrySeconds);
    }
    try {
      hub.assertCapacity(); // again: other streams may have opened here while the slot was reserved
    } catch (err) {
      void slots?.release(id);
      throw hubErrorToHttp(err, fullRetrySeconds);
    }
    const meta = {
      clientId: state.clientKey,
      ipAddress: ip,
      userAgent: ctx.get('User-Agent'),
      httpVersion: ctx.req.httpVersion,
      listener: listenerOf(ctx.req),
    };
    // Coalesced streams are compressed for clients that take gzip (docs/decisions.md §8): a batch
    // compresses well and is compressed once for every stream that gets it.
    const gzip = params.batchMs > 0 && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    ctx.vary('Accept-Encoding');
    ctx.respond = false;
    // From here the stream is the hub's alone; the request, the response and ctx can be collected.
    // HTTP/1.x: the socket is taken over; HTTP/2 (the TLS port): the request's own stream.
    const sink = startStream(ctx.req, res, gzip ? { ...STREAM_HEADERS, 'Content-Encoding': 'gzip' } : STREAM_HEADERS, encoder, gzip);
    try {
      hub.open({ id, sink, user: state.user, filter, meta, lastEventId, initialState: params.initialState, batchMs: params.batchMs });
    } catch (err) {
      void slots?.release(id);
      sink.destroy(); // the headers are out: nobody is left to answer
      throw err;
    }
  };

  const router = new Router();
  const chain = [streamRefusals(hub.limits.retryMs), rateLimit(limits.requests, { observer }), handle];
  router.get('/subscribe_events', ...chain);
  router.post('/subscribe_events', ...chain);
  return router;
}

function hubErrorToHttp(err: unknown, retrySeconds: number): unknown {
  if (err instanceof HubFullError) return serviceUnavailable(err.message, 'too_many_clients', retrySeconds);
  if (err instanceof FileLimitError) return serviceUnavailable(err.message, 'file_limit_reached', retrySeconds);
  if (err instanceof HubStoppedError) return serviceUnavailable(err.message, 'server_shutdown', retrySeconds);
  return err;
}

/** The 429 text: the limit, its window and when the next new stream is allowed. */
function streamLimitMessage(limit: RateLimit, retryAfterMs: number): string {
  const wait = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `Too many new streams (${String(limit.points)} per ${String(limit.windowSeconds)} s for this user and address); retry in ${String(wait)} s. Reconnects with Last-Event-ID are not counted`;
}

/** Answers transient refusals to EventSource clients as a one-event stream with a retry hint (see the file comment). */
function streamRefusals(baseRetryMs: number): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof HttpError) || (err.status !== 429 && err.status !== 503) || !wantsEventStream(ctx)) throw err;
      if (ctx.headerSent) return;
      const retryMs =
        err instanceof RateLimitedError
          ? Math.max(baseRetryMs, err.retryAfterMs)
          : Math.max(baseRetryMs, Number(err.headers['Retry-After'] ?? 0) * 1000);
      const frame = encodeFrame({ retry: retryMs, data: errorPayload(err.code, err.message, isoTime(Date.now())) });
      const headers: Record<string, string> = headersFor(ctx.req, { ...STREAM_HEADERS });
      if (err instanceof RateLimitedError) Object.assign(headers, rateLimitHeaders(err.decision));
      ctx.respond = false;
      ctx.res.writeHead(200, headers);
      ctx.res.flushHeaders(); // no Content-Length on an event stream, even a short one
      ctx.res.end(frame);
    }
  };
}
