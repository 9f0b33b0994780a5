package io.jrego.server.decide;

/**
 * Which service and phase an evaluation is for: the {@code service} and {@code phase} labels of its
 * metrics, and the first words of its log lines.
 */
public enum Kind {
  /** ext_authz's Check. */
  CHECK("ext_authz", "check", "check"),
  /** ext_proc, the request phase. */
  REQUEST("ext_proc", "request", "ext_proc request"),
  /** ext_proc, the response phase. */
  RESPONSE("ext_proc", "response", "ext_proc response");

  private final String service;
  private final String phase;
  private final String logName;

  Kind(String service, String phase, String logName) {
    this.service = service;
    this.phase = phase;
    this.logName = logName;
  }

  /** {@code ext_authz} or {@code ext_proc}. */
  public String service() {
    return service;
  }

  /** {@code check}, {@code request} or {@code response}. */
  public String phase() {
    return phase;
  }

  String logName() {
    return logName;
  }
}
