/**
 * One stream attempt, over fetch (the token in an `Authorization` header, the resume point in
 * `Last-Event-ID`) or, where fetch cannot stream, over `EventSource` (the token and the resume
 * point in the query: `token=` is the documented fallback, DOCS.md "Authentication"). Each
 * resolves once with how the attempt ended; the client decides what happens next.
 */
import { retryAfterMs } from './backoff.ts';
import { SseParser, type SseParserHandlers } from './sse-parser.ts';

export interface StreamHandlers extends SseParserHandlers {
  /** The response is a 200 event stream. */
  opened(): void;
}

export type StreamOutcome =
  /** The server ended a stream that had opened. */
  | { kind: 'ended' }
  /** The client aborted the attempt (`close()`). */
  | { kind: 'aborted' }
  /** The server answered with an error status. */
  | { kind: 'refused'; status: number; code: string; message: string; retryAfterMs?: number }
  /** No answer: the network failed, the server is down, or (EventSource) the status is unknown. */
  | { kind: 'failed'; message: string; code?: string };

export interface StreamRequest {
  /** The `/subscribe_events` URL with the filter fields in its query. */
  url: URL;
  token?: string;
  lastEventId?: string;
  signal: AbortSignal;
  now(): number;
}

type FetchLike = (input: string, init: { headers: Record<string, string>; signal: AbortSignal; cache?: 'no-store' }) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } | null;
  text(): Promise<string>;
}>;

export type { FetchLike };

const isAbort = (err: unknown, signal: AbortSignal) => signal.aborted || (err as { name?: string })?.name === 'AbortError';
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** `GET /subscribe_events` with fetch, reading the body as it arrives. */
export async function fetchStream(fetchFn: FetchLike, req: StreamRequest, handlers: StreamHandlers): Promise<StreamOutcome> {
  const headers: Record<string, string> = {};
  if (req.token) headers.Authorization = `Bearer ${req.token}`;
  if (req.lastEventId !== undefined) headers['Last-Event-ID'] = req.lastEventId;
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetchFn(req.url.toString(), { headers, signal: req.signal, cache: 'no-store' });
  } catch (err) {
    return isAbort(err, req.signal) ? { kind: 'aborted' } : { kind: 'failed', message: messageOf(err) };
  }
  if (response.status !== 200 || !response.body) return refused(response, req.now());
  handlers.opened();
  const parser = new SseParser(handlers);
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value) parser.feed(decoder.decode(value, { stream: true }));
    }
    parser.feed(decoder.decode());
    return { kind: 'ended' };
  } catch (err) {
    return isAbort(err, req.signal) ? { kind: 'aborted' } : { kind: 'ended' };
  } finally {
    reader.cancel().catch(() => {});
  }
}

async function refused(response: Awaited<ReturnType<FetchLike>>, now: number): Promise<StreamOutcome> {
  let code = `http_${response.status}`;
  let message = `The hub answered ${response.status}`;
  let bodyRetry: number | undefined;
  try {
    const body = JSON.parse(await response.text()) as { message?: unknown; error_code?: unknown; retry_after?: unknown };
    if (typeof body.error_code === 'string') code = body.error_code;
    if (typeof body.message === 'string') message = body.message;
    if (typeof body.retry_after === 'number') bodyRetry = body.retry_after * 1000;
  } catch {
    // not a JSON envelope (a proxy's page): keep the status
  }
  const header = retryAfterMs(response.headers.get('Retry-After'), now);
  const retry = header ?? bodyRetry;
  return { kind: 'refused', status: response.status, code, message, ...(retry !== undefined ? { retryAfterMs: retry } : {}) };
}

/** The parts of `EventSource` the fallback uses. */
interface EventSourceLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: string; lastEventId: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}
/**
 * The browser's `EventSource` or a polyfill. Typed loosely: each implementation types its event
 * handlers with its own event classes, and the fallback needs only `data` and `lastEventId`.
 */
export type EventSourceConstructor = new (url: string) => object;

/**
 * The fallback: `EventSource` with `token=` and `last_event_id=` in the query. It hides the
 * status and the `retry:` field, so a refusal is a `failed` outcome, and it only exposes the
 * last id seen, so a frame "has its own id" when that value changed.
 */
export function eventSourceStream(EventSourceCtor: EventSourceConstructor, req: StreamRequest, handlers: StreamHandlers): Promise<StreamOutcome> {
  const url = new URL(req.url);
  if (req.token) url.searchParams.set('token', req.token);
  if (req.lastEventId !== undefined) url.searchParams.set('last_event_id', req.lastEventId);
  return new Promise((resolve) => {
    const es = new EventSourceCtor(url.toString()) as EventSourceLike;
    let opened = false;
    let lastId = '';
    const finish = (outcome: StreamOutcome) => {
      es.onopen = es.onmessage = es.onerror = null;
      es.close();
      // Some polyfills (the `eventsource` package) arm their own reconnect timer right after
      // dispatching the error; closing again once that has run clears it.
      queueMicrotask(() => es.close());
      req.signal.removeEventListener('abort', abort);
      resolve(outcome);
    };
    const abort = () => finish({ kind: 'aborted' });
    req.signal.addEventListener('abort', abort);
    es.onopen = () => {
      opened = true;
      handlers.opened();
    };
    es.onmessage = (event) => {
      const id = event.lastEventId !== lastId ? event.lastEventId : undefined;
      lastId = event.lastEventId;
      handlers.frame({ data: event.data, id, event: undefined });
    };
    es.onerror = () => finish(opened ? { kind: 'ended' } : { kind: 'failed', message: 'the event stream could not be opened' });
  });
}
