/**
 * The `/ws` part of `/openapi.json` (src/http/openapi.ts merges it in). OpenAPI has no WebSocket
 * object, so `/ws` is described as what it is on the wire: a `GET` with `Upgrade: websocket` that
 * answers 101 Switching Protocols, or a plain HTTP refusal with the JSON error envelope (401, 403,
 * 404, 429, 503, as src/http/ws-api.ts answers them). The messages each way are JSON Schemas under
 * `components.schemas` (`WsClientMessage`, `WsServerMessage`), named from the operation with the
 * `x-websocket-messages` extension; the prose reference is DOCS.md "WebSocket API: `/ws`".
 */

const ERROR = { $ref: '#/components/responses/Error' };

const id = { description: 'Echoed back in the answer', type: ['string', 'number'] };
const request = (type: string, properties: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object',
  required: ['type', ...required],
  properties: { type: { const: type }, id, ...properties },
});

/** What a client may send: the auth message (in-band auth phase) and the requests. */
const CLIENT_MESSAGE = {
  description: 'A message from the client (JSON text). The first one answers `auth_required` when the upgrade carried no credentials.',
  oneOf: [
    { type: 'object', required: ['type', 'access_token'], properties: { type: { const: 'auth' }, access_token: { type: 'string' } } },
    request('get_sse_stats'),
    request('get_sse_connection', { connection_id: { type: 'string', minLength: 1 } }, ['connection_id']),
    request('get_sse_metrics', { period: { enum: ['1h', '24h', '7d', '30d'] } }),
    request('subscribe_sse_stats', { live: { type: 'boolean' }, interval_ms: { type: 'integer', minimum: 1000, maximum: 60000 } }),
    request('unsubscribe_sse_stats'),
  ],
};

const answerHead = { id, type: { type: 'string' } };

/** What the server sends: the auth phase, answers (the REST envelopes plus `id`/`type`), pushes and errors. */
const SERVER_MESSAGE = {
  description: 'A message from the server (JSON text).',
  oneOf: [
    { type: 'object', required: ['type'], properties: { type: { const: 'auth_required' } }, additionalProperties: false },
    { type: 'object', required: ['type'], properties: { type: { const: 'auth_ok' } }, additionalProperties: false },
    {
      description: 'Followed by a close with code 1008.',
      type: 'object',
      required: ['type', 'message'],
      properties: { type: { const: 'auth_invalid' }, message: { type: 'string' } },
      additionalProperties: false,
    },
    {
      description:
        'An answer: `get_sse_stats` (data as GET /api/sse/stats), `get_sse_connection` (`{connection}`), `get_sse_metrics` (as GET /api/sse/metrics), ' +
        '`subscribe_sse_stats` (`{subscribed:true}`), `unsubscribe_sse_stats` (`{subscribed:false}`), and the pushes of type `sse_stats` ' +
        '(the statistics, with `live` when asked).',
      type: 'object',
      required: ['type', 'success', 'data'],
      properties: {
        ...answerHead,
        type: { enum: ['get_sse_stats', 'get_sse_connection', 'get_sse_metrics', 'subscribe_sse_stats', 'unsubscribe_sse_stats', 'sse_stats'] },
        success: { const: true },
        data: { type: 'object' },
      },
    },
    {
      description: 'An error; the socket stays open.',
      type: 'object',
      required: ['success', 'message', 'error_code'],
      properties: {
        ...answerHead,
        success: { const: false },
        message: { type: 'string' },
        error_code: {
          enum: ['invalid_json', 'invalid_message', 'unknown_type', 'invalid_request', 'connection_not_found', 'invalid_period', 'rate_limit_exceeded', 'internal_error'],
        },
        retry_after: { type: 'integer', minimum: 1, description: 'Seconds, with rate_limit_exceeded' },
      },
    },
  ],
};

const header = (name: string, schema: Record<string, unknown>, description: string, required = true) => ({ name, in: 'header', required, description, schema });

/** The path item of `/ws` and the schemas it refers to. */
export function wsPaths(path = '/ws'): { paths: Record<string, Record<string, unknown>>; schemas: Record<string, unknown> } {
  const operation = {
    summary: 'The statistics WebSocket API (administrators)',
    description:
      'Open with a WebSocket upgrade. Credentials at the upgrade (`Authorization: Bearer`, the subprotocols `sse-hub` and ' +
      '`sse-hub-token.<token>`, or `?token=`) are checked like any request and refused with an HTTP answer; an upgrade without ' +
      "any is accepted into Home Assistant's auth phase (`auth_required`, then `{type:\"auth\", access_token}`). Then JSON " +
      'messages both ways (WsClientMessage, WsServerMessage). A message over 64 KiB closes the socket with 1009; shutting down closes it with 1001.',
    operationId: 'GET_ws',
    // Credentials at the upgrade are optional: without them the socket opens into the auth phase.
    security: [],
    parameters: [
      header('Upgrade', { const: 'websocket' }, 'A WebSocket upgrade (RFC 6455); without it the path is not found.'),
      header('Connection', { type: 'string', pattern: '[Uu]pgrade' }, 'Must include Upgrade.'),
      header('Sec-WebSocket-Version', { const: '13' }, 'RFC 6455'),
      header('Sec-WebSocket-Key', { type: 'string' }, 'RFC 6455'),
      header('Sec-WebSocket-Protocol', { type: 'string' }, 'Optional: `sse-hub, sse-hub-token.<token>` (browsers); the server selects `sse-hub`.', false),
      { name: 'token', in: 'query', required: false, description: 'The token, as a fallback (it ends up in access logs).', schema: { type: 'string' } },
    ],
    responses: {
      '101': { description: 'Switching Protocols: the socket is open (in the auth phase when the upgrade carried no credentials).' },
      // 401: a token at the upgrade that core refuses; 403 admin_required; 404 not_found: no upgrade (a plain GET);
      // 429 rate_limit_exceeded; 503: core cannot be asked about the token.
      '401': ERROR,
      '403': ERROR,
      '404': ERROR,
      '429': ERROR,
      '503': ERROR,
    },
    'x-websocket-messages': {
      client: { $ref: '#/components/schemas/WsClientMessage' },
      server: { $ref: '#/components/schemas/WsServerMessage' },
    },
  };
  return { paths: { [path]: { get: operation } }, schemas: { WsClientMessage: CLIENT_MESSAGE, WsServerMessage: SERVER_MESSAGE } };
}
