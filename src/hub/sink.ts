/**
 * Where the hub writes one stream: SSE frames as bytes, nothing of HTTP. The HTTP layer adapts a
 * response to it (`src/http/sse-stream.ts` adds the transfer coding and owns the socket); tests may
 * hand in anything that behaves the same way.
 *
 * Backpressure follows Node's writable streams: `write()` returns false once the sink holds more
 * than it wants to, and the sink tells its listener when it has drained again. The hub never waits
 * for a sink; it watches {@link StreamSink.bufferedBytes} against the stream's limit instead.
 */

/** Told what happens to a sink. One listener per sink, registered once. */
export interface SinkListener {
  /** Everything buffered was handed on after a `write()` returned false. */
  sinkDrained(): void;
  /** The sink closed (the client left, or `end()`/`destroy()` finished). Called at most once. */
  sinkClosed(): void;
}

export interface StreamSink {
  /**
   * Queues `bytes` (one or more whole SSE frames). The same Buffer goes to every stream the frame
   * is for and is never changed afterwards, so a sink may keep it (or what it derived from it) by
   * reference. Returns false when the sink now holds more than it wants; `sinkDrained` follows.
   */
  write(bytes: Buffer): boolean;
  /** Holds writes back until {@link uncork}, so a batch leaves in one go. */
  cork(): void;
  uncork(): void;
  /** Ends the stream after what was written, properly (the client sees a clean end). */
  end(): void;
  /** Closes at once; whatever is still buffered is dropped. */
  destroy(): void;
  /** Bytes written but not yet handed to the network (meaningless once closed). */
  readonly bufferedBytes: number;
  /** True from a `write()` that returned false until the sink drained. */
  readonly needsDrain: boolean;
  /** True once the sink closed or was destroyed: writes go nowhere. */
  readonly closed: boolean;
  /**
   * Registers the one listener. A sink that closed before may or may not still report it: check
   * {@link closed} after listening (the subscriber does, and takes the close once).
   */
  listen(listener: SinkListener): void;
}
