package io.jrego.server.grpc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What one logger publishes between {@link #attach} and {@link #close}, for tests to read. */
final class LogCapture extends Handler implements AutoCloseable {

  /** Held here: the logging framework keeps loggers only weakly, and with them their handlers. */
  private final Logger logger;

  final List<LogRecord> records = new CopyOnWriteArrayList<>();

  LogCapture(String loggerName) {
    this.logger = Logger.getLogger(loggerName);
  }

  LogCapture attach() {
    logger.addHandler(this);
    return this;
  }

  @Override
  public void publish(LogRecord r) {
    records.add(r);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
