package io.jrego.server.envoy;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A SPIFFE ID, validated as the SPIFFE ID specification requires: {@code spiffe://}, a trust domain
 * of {@code [a-z0-9._-]}, and an optional path of non-empty {@code [A-Za-z0-9._-]} segments other
 * than {@code .} and {@code ..}, no trailing slash, query, fragment, user or port; 2048 bytes at
 * most.
 *
 * @param id the whole ID
 * @param trustDomain such as {@code cluster.local}
 * @param path such as {@code /ns/ai/sa/orchestrator}, or empty
 */
record SpiffeId(String id, String trustDomain, String path) {

  private static final String SCHEME = "spiffe://";

  static Optional<SpiffeId> parse(String s) {
    if (!s.startsWith(SCHEME) || s.length() > 2048) {
      return Optional.empty();
    }
    int slash = s.indexOf('/', SCHEME.length());
    String td = slash < 0 ? s.substring(SCHEME.length()) : s.substring(SCHEME.length(), slash);
    String path = slash < 0 ? "" : s.substring(slash);
    if (td.isEmpty()) {
      return Optional.empty();
    }
    for (int i = 0; i < td.length(); i++) {
      char c = td.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        return Optional.empty();
      }
    }
    if (!path.isEmpty()) {
      for (String seg : path.substring(1).split("/", -1)) {
        if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
          return Optional.empty();
        }
        for (int i = 0; i < seg.length(); i++) {
          char c = seg.charAt(i);
          if (!((c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-'
              || c == '_')) {
            return Optional.empty();
          }
        }
      }
    }
    return Optional.of(new SpiffeId(s, td, path));
  }

  /**
   * {@code input.spiffe}: {@code id}, {@code trust_domain}, {@code path}, {@code from}, and for an
   * Istio path {@code /ns/<ns>/sa/<sa>} also {@code namespace} and {@code service_account}.
   */
  ObjectValue toValue(String from) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    b.put(ID, StringValue.of(id));
    b.put(TRUST_DOMAIN, StringValue.of(trustDomain));
    b.put(PATH, StringValue.of(path));
    b.put(FROM, StringValue.of(from));
    String[] seg = path.split("/", -1);
    if (seg.length == 5 && seg[1].equals("ns") && seg[3].equals("sa")) {
      b.put(NAMESPACE, StringValue.of(seg[2]));
      b.put(SERVICE_ACCOUNT, StringValue.of(seg[4]));
    }
    return b.build();
  }

  // input.spiffe's keys, made once (a value's hash is keyed, and not free)
  private static final StringValue ID = StringValue.of("id");
  private static final StringValue TRUST_DOMAIN = StringValue.of("trust_domain");
  private static final StringValue PATH = StringValue.of("path");
  private static final StringValue FROM = StringValue.of("from");
  private static final StringValue NAMESPACE = StringValue.of("namespace");
  private static final StringValue SERVICE_ACCOUNT = StringValue.of("service_account");

  /**
   * The {@code URI=} value of the last element of an {@code x-forwarded-client-cert} header: the
   * element the nearest proxy added. Empty when the header is malformed ({@link Xfcc}: no identity
   * is taken from a header that could have been smuggled past the proxy), or when that element has
   * no URI or several (an X.509 SVID has exactly one URI SAN).
   */
  static Optional<String> xfccUri(String header) {
    List<List<Xfcc.Pair>> elements = Xfcc.parse(header).orElse(List.of());
    if (elements.isEmpty()) {
      return Optional.empty();
    }
    List<String> uris = new ArrayList<>();
    for (Xfcc.Pair p : elements.get(elements.size() - 1)) {
      if (p.key().equals("uri")) {
        uris.add(p.value());
      }
    }
    return uris.size() == 1 ? Optional.of(uris.get(0)) : Optional.empty();
  }
}
