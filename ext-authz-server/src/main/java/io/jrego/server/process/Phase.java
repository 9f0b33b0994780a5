package io.jrego.server.process;

/** The two moments an ext_proc stream asks the policy: before the upstream, after it. */
public enum Phase {
  /** The request's headers and (buffered) body, before they go upstream. */
  REQUEST("request"),
  /** The response's headers, and its buffered body unless it is streamed. */
  RESPONSE("response");

  private final String id;

  Phase(String id) {
    this.id = id;
  }

  /** {@code request} or {@code response}: the rule name, {@code input.phase} and metric label. */
  public String id() {
    return id;
  }
}
