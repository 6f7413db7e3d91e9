/**
 * The command channel between instances (docs/redis.md): each instance subscribes to its own
 * pub/sub channel; `DELETE /api/sse/connections/{id}` on any instance publishes a close command
 * to the instance that holds the stream (found in the global registry).
 */
import type { Redis } from 'ioredis';

export interface CommandChannelOptions {
  /** A connection of its own: a subscribed connection can do nothing else. */
  subscriber: Redis;
  /** Used to publish. */
  client: Redis;
  prefix: string;
  instanceId: string;
  /** Closes a local stream as `admin_closed`; false when there is no such stream here. */
  closeLocal: (connectionId: string) => boolean;
}

interface CloseCommand {
  op: 'close';
  id: string;
}

export class CommandChannel {
  readonly #subscriber: Redis;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #instanceId: string;
  readonly #closeLocal: (connectionId: string) => boolean;

  constructor(options: CommandChannelOptions) {
    this.#subscriber = options.subscriber;
    this.#client = options.client;
    this.#prefix = options.prefix;
    this.#instanceId = options.instanceId;
    this.#closeLocal = options.closeLocal;
  }

  #channel(instanceId: string): string {
    return `${this.#prefix}:commands:${instanceId}`;
  }

  async start(): Promise<void> {
    const subscriber = this.#subscriber;
    const channel = this.#channel(this.#instanceId);
    subscriber.on('message', (_channel: string, message: string) => this.#onMessage(message));
    // ioredis subscribes again after a reconnect, but only to channels it subscribed to once.
    subscriber.on('ready', () => void subscriber.subscribe(channel).catch(() => undefined));
    await subscriber.connect().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#subscriber.disconnect();
  }

  /** Asks `instanceId` to close stream `connectionId`; true when that instance is listening. */
  async close(instanceId: string, connectionId: string): Promise<boolean> {
    const command: CloseCommand = { op: 'close', id: connectionId };
    return (await this.#client.publish(this.#channel(instanceId), JSON.stringify(command))) > 0;
  }

  #onMessage(message: string): void {
    let command: Partial<CloseCommand>;
    try {
      command = JSON.parse(message) as Partial<CloseCommand>;
    } catch {
      return;
    }
    if (command.op === 'close' && typeof command.id === 'string') this.#closeLocal(command.id);
  }
}
