package io.jrego.server.decisionlog;

import io.jrego.engine.value.ObjectValue;
import java.io.IOException;

/**
 * Where finished events go. Called only from the logger's thread, so implementations need no
 * locking of their own.
 */
interface Sink extends AutoCloseable {

  /**
   * Takes one event.
   *
   * @param event the masked event
   * @param json its compact JSON encoding, UTF-8, no newline
   */
  void write(ObjectValue event, byte[] json) throws IOException;

  /** Periodic work (uploads, flushes), called at least every few hundred milliseconds. */
  default void tick(long nowNanos) throws IOException {}

  /** Called when the logger's queue is empty: a moment to flush buffers. */
  default void idle() throws IOException {}

  /** Delivers what it still holds, within {@code deadlineNanos}, and releases its resources. */
  void close(long deadlineNanos) throws IOException;

  @Override
  default void close() throws IOException {
    close(System.nanoTime());
  }
}
