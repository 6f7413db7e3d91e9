/**
 * The upstream status every instance announces in Redis mode: `connected` only while Redis is
 * reachable and the last status entry the leader appended to the shared stream says core is
 * connected. One listener call per change of the combined state.
 */
import type { UpstreamState, UpstreamStatus } from '../base/types.ts';

export class ClusterStatus implements UpstreamStatus {
  readonly #listeners = new Set<(state: UpstreamState) => void>();
  readonly #onListenerError: (err: unknown) => void;
  #stream: UpstreamState = 'disconnected';
  #redisUp = true;

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  get state(): UpstreamState {
    return this.#redisUp && this.#stream === 'connected' ? 'connected' : 'disconnected';
  }

  get redisUp(): boolean {
    return this.#redisUp;
  }

  onChange(listener: (state: UpstreamState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The status the stream (or the stored key) carries. */
  setStream(state: UpstreamState): void {
    this.#change(() => (this.#stream = state));
  }

  setRedisUp(up: boolean): void {
    this.#change(() => (this.#redisUp = up));
  }

  #change(apply: () => void): void {
    const before = this.state;
    apply();
    const after = this.state;
    if (after === before) return;
    for (const listener of this.#listeners) {
      try {
        listener(after);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }
}
