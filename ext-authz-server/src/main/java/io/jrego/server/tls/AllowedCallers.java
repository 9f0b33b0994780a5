package io.jrego.server.tls;

import java.util.ArrayList;
import java.util.List;

/**
 * The SPIFFE IDs that may call: each entry is one exact ID ({@code
 * spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account}) or every ID
 * under a path ({@code spiffe://cluster.local/ns/ai/*}: {@code /ns/ai/sa/x} but not {@code /ns/ai}
 * itself nor {@code /ns/aix/...}).
 *
 * @param entries the entries as given
 */
public record AllowedCallers(List<String> entries) {

  /**
   * Checks every entry.
   *
   * @throws IllegalArgumentException naming the first entry that is no SPIFFE ID or pattern
   */
  public AllowedCallers {
    entries = List.copyOf(entries);
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("no allowed SPIFFE ID given");
    }
    for (String e : entries) {
      String id = e.endsWith("/*") ? e.substring(0, e.length() - 2) : e;
      if (!SpiffeIds.valid(id)) {
        throw new IllegalArgumentException(
            "'" + e + "' is no SPIFFE ID (spiffe://trust-domain/path) nor a pattern ending in /*");
      }
    }
  }

  /** Parses comma-separated entries, blanks ignored. */
  public static AllowedCallers parse(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      for (String part : v.split(",", -1)) {
        if (!part.isBlank()) {
          out.add(part.strip());
        }
      }
    }
    return new AllowedCallers(out);
  }

  /** Whether a caller with this (valid) SPIFFE ID may call. */
  boolean allows(String id) {
    for (String e : entries) {
      if (e.endsWith("/*")
          ? id.startsWith(e.substring(0, e.length() - 1)) && id.length() > e.length() - 1
          : id.equals(e)) {
        return true;
      }
    }
    return false;
  }
}
