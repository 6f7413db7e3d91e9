/** The hub's typed errors (docs/ARCHITECTURE.md §5.11); `http/routes/subscribe.ts` maps them to statuses. */

/** Every stream slot is taken (`max_clients`). */
export class HubFullError extends Error {
  constructor(readonly maxClients: number) {
    super(`The server has reached its limit of ${maxClients} concurrent streams`);
    this.name = 'HubFullError';
  }
}

/** The open-file limit leaves room for no more streams (src/hub/file-budget.ts). */
export class FileLimitError extends Error {
  constructor(readonly streamsAllowed: number) {
    super(`The open-file limit of this process leaves room for ${streamsAllowed} concurrent streams; raise its nofile limit or lower max_clients`);
    this.name = 'FileLimitError';
  }
}

/** The hub is not running (not started yet, or shutting down). */
export class HubStoppedError extends Error {
  constructor() {
    super('The server is shutting down');
    this.name = 'HubStoppedError';
  }
}
