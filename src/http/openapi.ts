/**
 * `GET /openapi.json`: an OpenAPI 3.1 description of the HTTP API. The request schemas are the
 * zod schemas that validate the requests (the stream parameters, the threshold update), exported
 * as JSON Schema; the paths are the routes the app serves (test/http/openapi.test.ts checks both
 * ways against the routers), each described by the table below. DOCS.md remains the prose reference.
 */
import { z } from 'zod';
import { alertListSchema } from '../alerts/alert-view.ts';
import { thresholdsViewSchema } from '../alerts/engine.ts';
import { thresholdsUpdateSchema } from '../alerts/rules.ts';
import {
  connectionsDataSchema,
  historyDataSchema,
  metricsDataSchema,
  monitorDataSchema,
  performanceDataSchema,
  statsDataSchema,
} from '../stats/answers.ts';
import { closedDataSchema, connectionDataSchema } from './routes/connections.ts';
import { healthDataSchema } from './routes/health.ts';
import { paramsSchema } from './routes/subscribe.ts';
import { wsPaths } from './openapi-ws.ts';
import { registriesDataSchema } from '../ha/registry/registry-view.ts';

type Access = 'public' | 'user' | 'admin';

/** The request headers a stream reads besides `Authorization` (DOCS.md). */
const STREAM_HEADERS = {
  'Last-Event-ID': 'Resume after this event id (EventSource sends it by itself); wins over last_event_id.',
  'X-Client-Name': 'The client name, as client= (^[a-z0-9_]{1,32}$); client= wins when both are given.',
};

interface Operation {
  summary: string;
  access: Access;
  /** Query parameters: name → description (all strings on the wire). */
  query?: Record<string, string>;
  /** Request headers: name → description. */
  headers?: Record<string, string>;
  /** Request body: a component schema name. */
  body?: 'SubscribeParams' | 'ThresholdsUpdate';
  /** The answer is not the JSON envelope (a stream, a script, text). */
  contentType?: string;
  /** The `data` of the success envelope: a component schema name (`RESPONSE_DATA`). */
  data?: keyof typeof RESPONSE_DATA;
  /** More than the summary says (the stream's frames). */
  description?: string;
}

/**
 * The `data` schemas of the JSON answers, as components. Each lives beside the code that builds
 * the answer (src/stats/, src/alerts/, the routes here), which takes its type from it.
 */
export const RESPONSE_DATA = {
  Health: healthDataSchema,
  Stats: statsDataSchema,
  Metrics: metricsDataSchema,
  History: historyDataSchema,
  Performance: performanceDataSchema,
  Monitor: monitorDataSchema,
  Connections: connectionsDataSchema,
  Connection: connectionDataSchema,
  Closed: closedDataSchema,
  Registries: registriesDataSchema,
  Alerts: alertListSchema,
  ThresholdsView: thresholdsViewSchema,
} as const;

const STREAM_FRAMES =
  'An event stream (DOCS.md, "Frames and payloads"). Every frame is `data:` JSON `{type, data?, timestamp}`: ' +
  '`connection` first (with `retry:`), then Home Assistant events by their type (`state_changed`, …, each with its `id:`), ' +
  '`batch` frames instead when `batch` is given, `ping` every ping interval, `alert` (administrators), and `error` ' +
  '(`replay_gap`, `upstream_unavailable`, `slow_consumer`, `server_shutdown`, `max_connection_age`, `inactive`, ' +
  '`connection_closed`, `rate_limit_exceeded`, `too_many_clients`, `file_limit_reached`).';

/** Every route, keyed `METHOD /path` with OpenAPI's `{param}` spelling. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /healthz': { summary: 'Liveness and the upstream state', access: 'public', data: 'Health' },
  'GET /client.js': { summary: 'The client library (ES module)', access: 'public', contentType: 'text/javascript' },
  'GET /client.js.map': { summary: 'Its source map', access: 'public', contentType: 'application/json' },
  'GET /': { summary: 'The panel page', access: 'public', contentType: 'text/html' },
  'GET /panel/{name}': { summary: 'A panel asset', access: 'public', contentType: 'application/octet-stream' },
  'GET /openapi.json': { summary: 'This document', access: 'public', contentType: 'application/json' },
  'GET /subscribe_events': {
    summary: 'Open an event stream (parameters in the query)',
    access: 'user',
    query: Object.fromEntries(Object.entries(paramsSchema.shape).map(([k, field]) => [k, field.unwrap().description ?? `See the SubscribeParams schema (${k}).`])),
    contentType: 'text/event-stream',
    description: STREAM_FRAMES,
    headers: STREAM_HEADERS,
  },
  'POST /subscribe_events': {
    summary: 'Open an event stream (parameters in a JSON body)',
    access: 'user',
    body: 'SubscribeParams',
    contentType: 'text/event-stream',
    description: STREAM_FRAMES,
    headers: STREAM_HEADERS,
  },
  'POST /get_sse_stats': { summary: 'Statistics (token in the body or the header)', access: 'admin', data: 'Stats' },
  'GET /api/sse/stats': { summary: 'Statistics', access: 'admin', data: 'Stats' },
  'GET /api/sse/metrics': { summary: 'Aggregated metrics of a period', access: 'admin', query: { period: '1h, 24h, 7d or 30d (default 1h)' }, data: 'Metrics' },
  'GET /api/sse/history': { summary: 'Time series for charts', access: 'admin', query: { period: '1h, 24h, 7d or 30d (default 1h)' }, data: 'History' },
  'GET /api/sse/performance': { summary: 'Performance figures', access: 'admin', data: 'Performance' },
  'GET /api/admin/sse-monitor': { summary: 'Connections across instances', access: 'admin', data: 'Monitor' },
  'GET /api/sse/connections': { summary: 'Open streams (in Redis mode every instance\'s)', access: 'admin', query: { scope: '`local`: this instance only (Redis mode)' }, data: 'Connections' },
  'GET /api/sse/connections/{id}': { summary: 'One stream', access: 'admin', data: 'Connection' },
  'DELETE /api/sse/connections/{id}': { summary: 'Close one stream', access: 'admin', data: 'Closed' },
  'GET /api/sse/registries': { summary: 'Areas, floors, labels and devices (ids and names) for the area=, floor=, label= and device_id= selectors', access: 'admin', data: 'Registries' },
  'GET /api/sse/alerts': { summary: 'Active alerts', access: 'admin', data: 'Alerts' },
  'GET /api/sse/alerts/history': { summary: 'Alerts that fired, newest first', access: 'admin', query: { limit: '1-1000 (default 100)' }, data: 'Alerts' },
  'GET /api/sse/alerts/thresholds': { summary: 'Thresholds in force', access: 'admin', data: 'ThresholdsView' },
  'PUT /api/sse/alerts/thresholds': { summary: 'Override thresholds (null removes an override)', access: 'admin', body: 'ThresholdsUpdate', data: 'ThresholdsView' },
  'GET /metrics': { summary: 'Prometheus text format', access: 'admin', contentType: 'text/plain' },
};

const ERROR = { $ref: '#/components/responses/Error' };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema; // OpenAPI 3.1's dialect is JSON Schema 2020-12 already
  return out;
}

function operation(key: string, op: Operation): Record<string, unknown> {
  const path = key.slice(key.indexOf(' ') + 1);
  const parameters: Record<string, unknown>[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  for (const [name, description] of Object.entries(op.query ?? {})) {
    parameters.push({ name, in: 'query', required: false, description, schema: { type: 'string' } });
  }
  for (const [name, description] of Object.entries(op.headers ?? {})) {
    parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  }
  const envelope = op.data
    ? {
        type: 'object',
        required: ['success', 'data'],
        additionalProperties: false,
        properties: { success: { const: true }, data: { $ref: `#/components/schemas/${op.data}` } },
      }
    : { $ref: '#/components/schemas/Success' };
  const ok = op.contentType
    ? { description: 'OK', content: { [op.contentType]: op.contentType === 'application/json' ? { schema: { type: 'object' } } : {} } }
    : { description: 'OK', content: { 'application/json': { schema: envelope } } };
  const responses: Record<string, unknown> = { '200': ok, '400': ERROR, '429': ERROR, '500': ERROR };
  if (op.access !== 'public') Object.assign(responses, { '401': ERROR, '403': ERROR, '503': ERROR });
  if (path.includes('{')) responses['404'] = ERROR; // no such connection, no such asset
  if (key.startsWith('POST ') || key.startsWith('PUT ')) responses['413'] = ERROR; // the body is over the limit
  return {
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, ''),
    ...(op.access === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body}` } } } } }
      : {}),
    responses,
  };
}

/** The document; `version` is the add-on's. */
export function openapiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    (paths[path] ??= {})[method.toLowerCase()] = operation(key, op);
  }
  const ws = wsPaths(); // the WebSocket upgrade (src/http/openapi-ws.ts)
  Object.assign(paths, ws.paths);
  return {
    openapi: '3.1.0',
    info: { title: 'SSE Hub for Home Assistant', version, description: 'The reference with examples is DOCS.md.' },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Home Assistant access token' } },
      schemas: {
        Success: { type: 'object', required: ['success', 'data'], properties: { success: { const: true }, data: {} } },
        Error: {
          type: 'object',
          required: ['success', 'message', 'error_code'],
          additionalProperties: false,
          properties: { success: { const: false }, message: { type: 'string' }, error_code: { type: 'string', pattern: '^[a-z_]+$' } },
        },
        SubscribeParams: jsonSchema(paramsSchema),
        ThresholdsUpdate: jsonSchema(thresholdsUpdateSchema),
        ...Object.fromEntries(Object.entries(RESPONSE_DATA).map(([name, schema]) => [name, jsonSchema(schema, 'output')])),
        ...ws.schemas,
      },
      responses: {
        Error: { description: 'The error envelope', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}
