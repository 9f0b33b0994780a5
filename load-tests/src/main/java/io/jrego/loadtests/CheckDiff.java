package io.jrego.loadtests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Sends every request of a corpus to two Check servers and reports where their answers differ: the
 * compatibility check of jrego against OPA-Envoy ({@code load-tests/compat.py} starts both).
 *
 * <p>An answer is the RPC's status and, when it succeeded, the CheckResponse in protobuf JSON. Two
 * things are normalised before comparing: a {@code decision_id} in the dynamic metadata that is a
 * UUID becomes {@code "<uuid>"} (each server makes a fresh one), and a denied body that is JSON is
 * compared as JSON (the corpus's echo cases send the whole input document back that way).
 *
 * <pre>
 * CheckDiff --cases compat/cases.json --a jrego=grpc://127.0.0.1:9001 \
 *     --b opa-envoy=grpc://127.0.0.1:9002 --out report.md
 * </pre>
 */
public final class CheckDiff {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private CheckDiff() {}

  /** One server under comparison. */
  private record Server(String name, ManagedChannel channel) {
    static Server parse(String spec) {
      int eq = spec.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected NAME=grpc://host:port, got " + spec);
      }
      URI uri = URI.create(spec.substring(eq + 1));
      if (!"grpc".equals(uri.getScheme()) || uri.getPort() < 0) {
        throw new IllegalArgumentException("expected NAME=grpc://host:port, got " + spec);
      }
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext().build();
      return new Server(spec.substring(0, eq), channel);
    }

    JsonNode answer(CheckRequest request) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      try {
        CheckResponse r =
            AuthorizationGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(request);
        out.put("rpc", "OK");
        out.set("response", normalise(JSON.readTree(JsonFormat.printer().print(r))));
      } catch (StatusRuntimeException e) {
        out.put("rpc", e.getStatus().getCode().name());
        out.put("message", e.getStatus().getDescription());
      } catch (IOException e) {
        throw new IllegalStateException("cannot print a CheckResponse as JSON", e);
      }
      return out;
    }
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> opts = LoadGen.options(args);
    JsonNode corpus = JSON.readTree(Files.readAllBytes(Path.of(require(opts, "cases"))));
    List<Known> known = new ArrayList<>();
    corpus.path("known_differences").forEach(k -> known.add(Known.of(k)));
    Server a = Server.parse(require(opts, "a"));
    Server b = Server.parse(require(opts, "b"));
    StringBuilder table = new StringBuilder();
    StringBuilder details = new StringBuilder();
    int same = 0;
    int documented = 0;
    int total = 0;
    for (JsonNode c : corpus.path("cases")) {
      total++;
      CheckRequest.Builder request = CheckRequest.newBuilder();
      JsonFormat.parser().merge(JSON.writeValueAsString(c.path("request")), request);
      JsonNode fromA = a.answer(request.build());
      JsonNode fromB = b.answer(request.build());
      List<Difference> diffs = new ArrayList<>();
      diff("", fromA, fromB, diffs);
      String name = c.path("name").asText();
      TreeSet<String> whys = new TreeSet<>();
      List<Difference> unexplained = new ArrayList<>();
      for (Difference d : diffs) {
        known.stream()
            .filter(k -> k.covers(d))
            .findFirst()
            .ifPresentOrElse(k -> whys.add(k.why()), () -> unexplained.add(d));
      }
      String verdict;
      if (!unexplained.isEmpty()) {
        verdict = "**differs**";
        details.append("### ").append(name).append("\n\n");
        unexplained.forEach(
            d -> details.append("- ").append(d.toString().replace("|", "\\|")).append('\n'));
        details.append('\n');
      } else if (!whys.isEmpty()) {
        documented++;
        verdict = "same but: " + String.join("; ", whys);
      } else {
        same++;
        verdict = "same";
      }
      table.append("| ").append(name).append(" | ").append(summary(fromA)).append(" | ");
      table.append(summary(fromB)).append(" | ").append(verdict).append(" |\n");
    }
    a.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    b.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    int differ = total - same - documented;
    String line =
        String.format(
            "%d cases: %d answered the same, %d the same but for a documented difference, %d differ",
            total, same, documented, differ);
    StringBuilder md = new StringBuilder(line).append("\n\n");
    md.append("| case | ").append(a.name).append(" | ").append(b.name).append(" | |\n");
    md.append("|---|---|---|---|\n").append(table);
    if (differ > 0) {
      md.append("\n## Differences (").append(a.name).append(" vs ").append(b.name).append(")\n\n");
      md.append(details);
    }
    Files.writeString(Path.of(require(opts, "out")), md, StandardCharsets.UTF_8);
    System.out.println(line);
    System.exit(differ == 0 ? 0 : 1);
  }

  private static String require(Map<String, String> opts, String key) {
    String v = opts.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }

  /** A short cell: the RPC status, or the CheckResponse's code and HTTP status. */
  private static String summary(JsonNode answer) {
    if (!answer.path("rpc").asText().equals("OK")) {
      return answer.path("rpc").asText();
    }
    JsonNode r = answer.path("response");
    int code = r.path("status").path("code").asInt(0);
    String http = r.path("deniedResponse").path("status").path("code").asText("");
    return (code == 0 ? "OK" : "code " + code) + (http.isEmpty() ? "" : " " + http);
  }

  private static JsonNode normalise(JsonNode response) {
    JsonNode id = response.path("dynamicMetadata").path("decision_id");
    if (UUID.matcher(id.asText()).matches()
        && response.get("dynamicMetadata") instanceof ObjectNode md) {
      md.put("decision_id", "<uuid>");
    }
    for (String outcome : List.of("okResponse", "deniedResponse")) {
      for (String list : List.of("headers", "responseHeadersToAdd", "queryParametersToSet")) {
        if (response.path(outcome).get(list) instanceof ArrayNode entries) {
          sortByName(entries);
        }
      }
    }
    JsonNode body = response.path("deniedResponse").path("body");
    if (body.isTextual() && response.get("deniedResponse") instanceof ObjectNode denied) {
      try {
        denied.set("body", JSON.readTree(body.asText()));
      } catch (JsonProcessingException notJson) {
        // compared as text
      }
    }
    return response;
  }

  /** Where two answers differ: a JSON pointer and the value on each side (null: absent). */
  record Difference(String at, JsonNode a, JsonNode b) {
    @Override
    public String toString() {
      return "`" + (at.isEmpty() ? "/" : at) + "`: " + text(a) + " vs " + text(b);
    }
  }

  /**
   * A difference the project knows of and documents: where (a JSON pointer in which {@code *}
   * stands for one segment), optionally only when both values match a pattern, and why.
   */
  record Known(Pattern at, Pattern bothMatch, String why) {
    static Known of(JsonNode n) {
      String glob = n.path("at").asText();
      String regex = Pattern.quote(glob).replace("*", "\\E[^/]*\\Q");
      String both = n.path("both_match").asText(".*");
      return new Known(
          Pattern.compile(regex), Pattern.compile(both, Pattern.DOTALL), n.path("why").asText());
    }

    boolean covers(Difference d) {
      return at.matcher(d.at()).matches() && matches(d.a()) && matches(d.b());
    }

    private boolean matches(JsonNode v) {
      return v == null || bothMatch.matcher(v.isTextual() ? v.asText() : v.toString()).matches();
    }
  }

  /**
   * Orders header or query parameter entries by name, keeping the order of entries with the same
   * name: OPA-Envoy walks the policy's object as a Go map, so its order across names is random,
   * while the order of one name's values is the policy's.
   */
  private static void sortByName(ArrayNode entries) {
    List<JsonNode> sorted = new ArrayList<>();
    entries.forEach(sorted::add);
    sorted.sort(
        Comparator.comparing(
            e -> e.has("header") ? e.path("header").path("key").asText() : e.path("key").asText()));
    entries.removeAll();
    sorted.forEach(entries::add);
  }

  /** Appends to {@code out} each JSON pointer at which {@code a} and {@code b} differ. */
  static void diff(String at, JsonNode a, JsonNode b, List<Difference> out) {
    if (a != null && b != null && a.isObject() && b.isObject()) {
      TreeSet<String> keys = new TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        diff(at + "/" + k, a.get(k), b.get(k), out);
      }
    } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
      Iterator<JsonNode> ia = a.elements();
      Iterator<JsonNode> ib = b.elements();
      for (int i = 0; ia.hasNext(); i++) {
        diff(at + "/" + i, ia.next(), ib.next(), out);
      }
    } else if (a != null && b != null && a.isNumber() && b.isNumber()) {
      // The same number may be written 1.7e9 by one server and 1700000000 by the other.
      if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
        out.add(new Difference(at, a, b));
      }
    } else if (a == null || !a.equals(b)) {
      out.add(new Difference(at, a, b));
    }
  }

  private static String text(JsonNode n) {
    return n == null ? "(absent)" : "`" + n + "`";
  }
}
