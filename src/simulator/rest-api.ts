/**
 * The simulated core's REST API (developers `docs/api/rest.md`; core `components/api`): the few
 * endpoints the product uses, with core's statuses and bodies. Every call is recorded, without
 * its token, so tests can assert what reached "core".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatedCore } from './core.ts';
import { ServiceNotFoundError } from './services.ts';
import { isRecord } from '../base/is-record.ts';

/** One REST request as the simulator saw it. */
export interface RestCall {
  method: string;
  path: string;
  status: number;
  /** The parsed JSON body (undefined when empty or invalid). */
  body: unknown;
  /** The authenticated user's id, or null. */
  userId: string | null;
  at: number;
}

const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, value: unknown): number {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
  return status;
}

/** aiohttp's plain-text error bodies, e.g. `401: Unauthorized`. */
function sendText(res: ServerResponse, status: number, text: string): number {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status}: ${text}`);
  return status;
}

const NAME = /^[a-z0-9_]+$/;

/** Handles one request under `/api/`; returns what to record. */
export async function handleRest(core: SimulatedCore, req: IncomingMessage, res: ServerResponse): Promise<RestCall> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const call: RestCall = { method, path, status: 0, body: undefined, userId: null, at: Date.now() };
  let raw = '';
  try {
    raw = await readBody(req);
  } catch {
    call.status = sendText(res, 413, 'Request Entity Too Large');
    return call;
  }
  let body: unknown;
  let bodyValid = true;
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw);
      call.body = body;
    } catch {
      bodyValid = false;
    }
  }

  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  const user = match ? core.authenticate(match[1]) : undefined;
  if (!match) core.failedLogins++;
  if (!user) {
    call.status = sendText(res, 401, 'Unauthorized');
    return call;
  }
  call.userId = user.id;

  const services = /^\/api\/services\/([^/]+)\/([^/]+)$/.exec(path);
  const events = /^\/api\/events\/([^/]+)$/.exec(path);
  const entity = /^\/api\/states\/([^/]+)$/.exec(path);
  const isObject = body === undefined || isRecord(body);

  if (method === 'GET' && path === '/api/') call.status = sendJson(res, 200, { message: 'API running.' });
  else if (method === 'GET' && path === '/api/config') call.status = sendJson(res, 200, core.config());
  else if (method === 'GET' && path === '/api/states') call.status = sendJson(res, 200, core.states.all());
  else if (method === 'GET' && entity) {
    const state = core.states.get(decodeURIComponent(entity[1] ?? ''));
    call.status = state ? sendJson(res, 200, state) : sendJson(res, 404, { message: 'Entity not found.' });
  } else if (method === 'POST' && entity) {
    // Core's `POST /api/states/<entity_id>` (admins only): sets the state as an integration would; the
    // state machine fires `state_changed` and websocket clients see it in events and get_states.
    const entityId = decodeURIComponent(entity[1] ?? '');
    const data = body as Record<string, unknown> | undefined;
    if (!user.is_admin) call.status = sendText(res, 401, 'Unauthorized');
    else if (!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(entityId)) call.status = sendJson(res, 400, { message: 'Invalid entity ID specified.' });
    else if (!bodyValid || !isObject) call.status = sendJson(res, 400, { message: 'Invalid JSON specified.' });
    else if (data?.state === undefined || data.state === null) call.status = sendJson(res, 400, { message: 'No state specified.' });
    else {
      const existed = core.states.get(entityId) !== undefined;
      const attributes = isRecord(data.attributes) ? data.attributes : {};
      const state = core.states.set(entityId, String(data.state), attributes, core.context(user.id));
      if (!existed) res.setHeader('Location', `/api/states/${entityId}`);
      call.status = sendJson(res, existed ? 200 : 201, state);
    }
  } else if (method === 'POST' && services) {
    const [domain = '', service = ''] = [services[1], services[2]];
    if (!bodyValid || !isObject) call.status = sendJson(res, 400, { message: 'Data should be valid JSON.' });
    else if (!NAME.test(domain) || !NAME.test(service)) call.status = sendText(res, 400, 'Bad Request');
    else {
      try {
        const changed = core.callService(domain, service, (body as Record<string, unknown> | undefined) ?? {}, core.context(user.id));
        call.status = sendJson(res, 200, changed);
      } catch (err) {
        if (!(err instanceof ServiceNotFoundError)) throw err;
        call.status = sendText(res, 400, 'Bad Request');
      }
    }
  } else if (method === 'POST' && events) {
    const eventType = decodeURIComponent(events[1] ?? '');
    if (!user.is_admin) call.status = sendText(res, 401, 'Unauthorized');
    else if (!bodyValid || !isObject) call.status = sendJson(res, 400, { message: 'Event data should be a JSON object' });
    else {
      core.bus.fire(eventType, (body as Record<string, unknown> | undefined) ?? {}, {
        context: core.context(user.id),
        timeFiredMicros: core.clock.now(),
        origin: 'REMOTE',
      });
      call.status = sendJson(res, 200, { message: `Event ${eventType} fired.` });
    }
  } else call.status = sendText(res, 404, 'Not Found');
  return call;
}
