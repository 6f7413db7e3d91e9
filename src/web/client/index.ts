/**
 * SSE Hub client (`sse-hub/client`, and `GET /client.js` on the hub): a reconnecting, resuming,
 * caching client for `/subscribe_events` that runs in browsers and Node without dependencies.
 * DOCS.md, "Client library", shows it in a page, in Node and in React.
 */
export { SseClient, SseClientError, connect, type ClientEvents } from './client.ts';
export type { EntitiesUpdate } from './client-events.ts';
export { applyEntitiesMessage, isEntitiesMessage, type EntitiesMessage } from './compressed-states.ts';
export { subscribeEntities, type EntitiesCallback } from './entities.ts';
export type { ConnectOptions } from './options.ts';
export type { CacheOptions } from './state-cache.ts';
export type { BackoffOptions } from './backoff.ts';
export { reconnectDelay } from './backoff.ts';
export type * from './types.ts';
