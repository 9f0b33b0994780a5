package io.jrego.server;

import io.jrego.server.admin.ServerMetrics;
import java.util.function.IntConsumer;

/** Lets tests in other packages install the guard with a halt that only records. */
public final class ProcessGuardAccess {

  private ProcessGuardAccess() {}

  public static void install(ServerMetrics metrics, IntConsumer halt) {
    ProcessGuard.install(metrics, halt);
  }

  public static void uninstall() {
    ProcessGuard.uninstall();
  }
}
