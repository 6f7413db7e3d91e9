/** The hub's typed errors (docs/ARCHITECTURE.md §5.11); `http/routes/subscribe.ts` maps them to statuses. */

/** Every stream slot is taken (`max_clients`). */
export class HubFullError extends Error {
  constructor(readonly maxClients: number) {
    super(`The server has reached its limit of ${maxClients} concurrent streams`);
    this.name = 'HubFullError';
  }
}

/** The hub is not running (not started yet, or shutting down). */
export class HubStoppedError extends Error {
  constructor() {
    super('The server is shutting down');
    this.name = 'HubStoppedError';
  }
}
