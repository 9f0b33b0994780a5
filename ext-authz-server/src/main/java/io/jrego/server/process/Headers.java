package io.jrego.server.process;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The headers of one ext_proc message, read once: names lower-cased (Envoy sends them so), values
 * from {@code raw_value} (what Envoy fills) or {@code value}; a name sent twice keeps every value.
 */
final class Headers {

  private final Map<String, String> joined = new LinkedHashMap<>();

  Headers(HeaderMap map) {
    for (HeaderValue h : map.getHeadersList()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      String value =
          h.getRawValue().isEmpty()
              ? h.getValue()
              : h.getRawValue().toString(StandardCharsets.UTF_8);
      // as Envoy's ext_authz fills CheckRequest headers: repeated names joined by commas
      joined.merge(name, value, (a, b) -> a + "," + b);
    }
  }

  /** Every header, repeated names joined by {@code ,}, as ext_authz's CheckRequest has them. */
  Map<String, String> asMap() {
    return joined;
  }

  Optional<String> get(String name) {
    return Optional.ofNullable(joined.get(name));
  }

  /** {@code :status} as a number, or 0. */
  int status() {
    try {
      return Integer.parseInt(joined.getOrDefault(":status", "0").trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A header to set, replacing any of the same name. */
  static HeaderValueOption set(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(
            HeaderValue.newBuilder().setKey(name).setRawValue(ByteString.copyFromUtf8(value)))
        .setAppendAction(HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  /**
   * Options as the decision mapper builds them ({@code value} set), turned into ext_proc's form:
   * ext_proc reads {@code raw_value}.
   */
  static List<HeaderValueOption> raw(List<HeaderValueOption> options) {
    return options.stream()
        .map(
            o ->
                o.toBuilder()
                    .setHeader(
                        HeaderValue.newBuilder()
                            .setKey(o.getHeader().getKey())
                            .setRawValue(
                                o.getHeader().getRawValue().isEmpty()
                                    ? ByteString.copyFromUtf8(o.getHeader().getValue())
                                    : o.getHeader().getRawValue()))
                    .build())
        .toList();
  }
}
