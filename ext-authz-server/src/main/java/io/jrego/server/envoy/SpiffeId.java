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
    b.put("id", StringValue.of(id));
    b.put("trust_domain", StringValue.of(trustDomain));
    b.put("path", StringValue.of(path));
    b.put("from", StringValue.of(from));
    String[] seg = path.split("/", -1);
    if (seg.length == 5 && seg[1].equals("ns") && seg[3].equals("sa")) {
      b.put("namespace", StringValue.of(seg[2]));
      b.put("service_account", StringValue.of(seg[4]));
    }
    return b.build();
  }

  /**
   * The first {@code URI=} value of the last element of an {@code x-forwarded-client-cert} header:
   * the element the nearest proxy added. Values may be quoted (with {@code \} escapes), and quoted
   * values may hold {@code ,} and {@code ;}.
   */
  static Optional<String> xfccUri(String header) {
    List<List<String[]>> elements = parseXfcc(header);
    if (elements.isEmpty()) {
      return Optional.empty();
    }
    for (String[] kv : elements.get(elements.size() - 1)) {
      if (kv[0].equalsIgnoreCase("URI")) {
        return Optional.of(kv[1]);
      }
    }
    return Optional.empty();
  }

  private static List<List<String[]>> parseXfcc(String h) {
    List<List<String[]>> elements = new ArrayList<>();
    List<String[]> current = new ArrayList<>();
    StringBuilder key = new StringBuilder();
    StringBuilder value = new StringBuilder();
    boolean inValue = false;
    boolean quoted = false;
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if (quoted) {
        if (c == '\\' && i + 1 < h.length()) {
          value.append(h.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        } else {
          value.append(c);
        }
      } else if (c == '"' && inValue) {
        quoted = true;
      } else if (c == '=' && !inValue) {
        inValue = true;
      } else if (c == ';' || c == ',') {
        if (!key.isEmpty()) {
          current.add(new String[] {key.toString().strip(), value.toString().strip()});
        }
        key.setLength(0);
        value.setLength(0);
        inValue = false;
        if (c == ',') {
          elements.add(current);
          current = new ArrayList<>();
        }
      } else if (inValue) {
        value.append(c);
      } else {
        key.append(c);
      }
    }
    if (!key.isEmpty()) {
      current.add(new String[] {key.toString().strip(), value.toString().strip()});
    }
    if (!current.isEmpty()) {
      elements.add(current);
    }
    return elements;
  }
}
