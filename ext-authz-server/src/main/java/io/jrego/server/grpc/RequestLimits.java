package io.jrego.server.grpc;

/**
 * How much of the heap the requests a server holds may take, and the limits that follow from it.
 *
 * <p>A call holds memory from the moment its message starts to arrive: first as received bytes
 * waiting for a check thread ({@link #maxHeldBytes}, a quarter of the heap), then on the thread as
 * the parsed request and its input document. A thread's share is bounded by the largest message: at
 * most a sixteenth of the heap over the check threads, since a message grows about fourfold once
 * parsed (protobuf strings, the body's value tree) and the threads' requests then take at most a
 * quarter of the heap, beside the quarter that evaluations may allocate. Every open call holds at
 * least its headers and stream state ({@link #CALL_BYTES}), which bounds the calls waiting.
 *
 * @param maxMessageBytes the largest request message read (gRPC's maximum inbound message size); a
 *     larger one is refused with RESOURCE_EXHAUSTED before it is read
 * @param maxCalls calls open at once, on a check thread or waiting for one; also the HTTP/2
 *     concurrent-stream limit of each connection
 * @param maxHeldBytes bytes of request messages received and not yet taken by a check thread
 */
record RequestLimits(int maxMessageBytes, int maxCalls, long maxHeldBytes) {

  /** What an open call holds before its message: headers (gRPC reads 8 KiB) and stream state. */
  static final long CALL_BYTES = 16 << 10;

  /** The floor of the heap-derived message limit, so a tiny heap still reads ordinary checks. */
  static final int MIN_MESSAGE_BYTES = 64 << 10;

  /** Checks that a limit holds at least one call and one byte. */
  RequestLimits {
    if (maxMessageBytes < 1 || maxCalls < 1 || maxHeldBytes < 1) {
      throw new IllegalArgumentException(
          "request limits must be positive: "
              + maxMessageBytes
              + ", "
              + maxCalls
              + ", "
              + maxHeldBytes);
    }
  }

  /**
   * The limits for a heap: the configured message size and queue, lowered where the heap cannot
   * hold them.
   *
   * @param heap the most heap the JVM may use ({@link Runtime#maxMemory()})
   * @param threads check threads
   * @param maxMessage the configured largest message ({@code --max-recv-msg-size})
   * @param queue the configured calls that may wait for a thread ({@code --queue-size})
   */
  static RequestLimits forHeap(long heap, int threads, int maxMessage, int queue) {
    long held = Math.max(1, heap / 4);
    long fromHeap = Math.max(MIN_MESSAGE_BYTES, Math.min(held / 4, heap / (32L * threads)));
    int message = (int) Math.min(maxMessage, fromHeap);
    long waiting = Math.min(queue, Math.max(threads, held / CALL_BYTES));
    return new RequestLimits(message, (int) Math.min(Integer.MAX_VALUE, threads + waiting), held);
  }

  /** What one connection may hold unread: its HTTP/2 flow-control window ({@link CheckServer}). */
  static final long CONNECTION_BYTES = 1 << 20;

  /** The floor of the heap-derived connection limit. */
  static final int MIN_CONNECTIONS = 16;

  /**
   * The most connections open at once on the gRPC port: the configured number, or for 0 as many
   * full flow-control windows ({@link #CONNECTION_BYTES}) as a quarter of the heap holds (31 with
   * {@code serve}'s 124 MiB heap, 113 with 455 MiB), at least {@link #MIN_CONNECTIONS}.
   *
   * @param heap the most heap the JVM may use ({@link Runtime#maxMemory()})
   * @param configured {@code --max-connections}; 0 to derive it from the heap
   */
  static int maxConnections(long heap, int configured) {
    if (configured > 0) {
      return configured;
    }
    return (int)
        Math.min(Integer.MAX_VALUE, Math.max(MIN_CONNECTIONS, heap / 4 / CONNECTION_BYTES));
  }
}
