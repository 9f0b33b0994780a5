package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's rare requests take the branches they are there for: the refusals are refused (400,
 * {@code request_parse_error}) and the others reach the policy, each once per round.
 */
class WarmUpRefusalsTest {

  @Test
  void eachRareRequestGetsTheAnswerItIsThereToTrain() throws Exception {
    PolicyHolder policies = FakePolicy.holderAllowingEverything();
    AuthorizationService service =
        new AuthorizationService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)));
    List<CheckRequest> rare =
        WarmUpRefusals.samples(
            WarmUpSamples.checks().getFirst(), (4 << 20) + 1024, WarmUpSwitches.ALL);
    List<String> answers = new ArrayList<>();
    for (CheckRequest r : rare) {
      CheckResponse response = check(service, r);
      answers.add(
          response.hasDeniedResponse()
              ? response.getDeniedResponse().getStatus().getCodeValue()
                  + " "
                  + response.getDeniedResponse().getBody().replaceAll(":.*", "")
              : "allowed");
    }
    assertThat(answers)
        .containsExactly(
            "allowed", // 300 numbers of 999 digits, sent in many frames
            "allowed", // 64 KiB chat
            "allowed", // 400 keys
            "400 request_parse_error", // nested 1,001 deep
            "400 request_parse_error", // 1e100000000
            "allowed", // 16 numbers of 999 digits
            "allowed", // 1e30000
            "allowed", // as a bare gRPC client sends it
            "allowed", // from a caller with no identity at all
            "400 request_parse_error", // cut-off JSON
            "allowed", // a byte that is not UTF-8, read as U+FFFD
            "400 request_parse_error", // 10,001 form parameters
            "400 request_parse_error", // 10,001 query parameters
            "allowed", // path parameters
            "allowed", // a body Envoy cut short
            "400 request_parse_error", // a gzip bomb as raw bytes: not JSON, never inflated
            "400 request_parse_error", // the same, 64 KB of it
            "allowed", // the start of a gzip body cut short by Envoy, in the text field
            "allowed", // a chat in other scripts
            "allowed"); // over the message limit: the deframer refuses it over the wire, not here
  }

  /**
   * The chat of many numbers is read by the server, not refused, and large enough for the warm-up's
   * client to send it in a flow-controlled client's frames, under the launcher's limit (128 MiB of
   * heap, 8 check threads: 506,880 bytes) and up to the default 4 MiB; under a small limit it is
   * smaller than the limit still.
   */
  @Test
  void theManyFramesChatIsUnderTheLimitAndSentInSmallAndFullFrames() {
    CheckRequest chat = WarmUpSamples.checks().getFirst();
    for (int limit : new int[] {506_880, 4 << 20}) {
      CheckRequest many = WarmUpRefusals.samples(chat, limit + WarmUp.OVER_LIMIT).getFirst();
      assertThat(many.getSerializedSize())
          .as("limit %d", limit)
          .isBetween(LoopbackCalls.FLOW_CONTROLLED_FROM, limit);
      assertThat(many.getAttributes().getRequest().getHttp().getBody()).contains("9".repeat(999));
    }
    CheckRequest small = WarmUpRefusals.samples(chat, (64 << 10) + WarmUp.OVER_LIMIT).getFirst();
    assertThat(small.getSerializedSize()).isLessThan(64 << 10);
  }

  @Test
  void eachRoundsNewNamesAreLongAndNotAnEarlierRounds() throws Exception {
    CheckRequest chat = WarmUpSamples.checks().getFirst();
    Set<String> seen = new HashSet<>();
    for (int round = 0; round < 7; round++) {
      CheckRequest r = WarmUpRefusals.newNames(chat, round);
      ObjectValue body =
          (ObjectValue) Json.parse(r.getAttributes().getRequest().getHttp().getBody());
      List<String> names = new ArrayList<>();
      body.forEach((k, v) -> names.add(((StringValue) k).value()));
      assertThat(names).hasSize(WarmUpRefusals.NEW_NAMES + 1).contains("model");
      names.remove("model");
      // longer than the 12 bytes Jackson reads by its shorter paths
      assertThat(names).allSatisfy(n -> assertThat(n.length()).isGreaterThan(12));
      assertThat(names).noneMatch(seen::contains);
      seen.addAll(names);
    }
  }

  /**
   * Each round's new names come in small groups that share Jackson's whole name hash (same first
   * three quads, the rest in another order), so the parser's table compares them quad by quad as it
   * did the hostile names: the groups' names differ first at every quad from the fourth to the
   * second-to-last, for names of 5, 6 and 7 quads.
   */
  @Test
  void eachRoundsNewNamesCollideInJacksonsTableInSmallGroups() throws Exception {
    ByteQuadsCanonicalizer table = ByteQuadsCanonicalizer.createRoot();
    ObjectValue body =
        (ObjectValue)
            Json.parse(
                WarmUpRefusals.newNames(WarmUpSamples.checks().getFirst(), 3)
                    .getAttributes()
                    .getRequest()
                    .getHttp()
                    .getBody());
    Map<String, List<String>> groups = new TreeMap<>();
    body.forEach(
        (k, v) -> {
          String name = ((StringValue) k).value();
          if (!name.equals("model")) {
            groups.computeIfAbsent(name.substring(0, 12), g -> new ArrayList<>()).add(name);
          }
        });
    Set<String> firstDifferences = new TreeSet<>();
    for (List<String> names : groups.values()) {
      assertThat(names).hasSizeBetween(2, 4).doesNotHaveDuplicates();
      int[] first = quads(names.getFirst());
      for (String name : names) {
        int[] q = quads(name);
        assertThat(q).hasSameSizeAs(first);
        assertThat(table.calcHash(q, q.length)).isEqualTo(table.calcHash(first, first.length));
        int at = 0;
        while (at < q.length && q[at] == first[at]) {
          at++;
        }
        if (at < q.length) {
          firstDifferences.add(q.length + " quads, at " + at);
        }
      }
    }
    assertThat(firstDifferences)
        .containsExactlyInAnyOrder(
            "5 quads, at 3",
            "6 quads, at 3",
            "6 quads, at 4",
            "7 quads, at 3",
            "7 quads, at 4",
            "7 quads, at 5");
  }

  /** A name's UTF-8 bytes as Jackson's byte parser reads them: big-endian 4-byte quads. */
  private static int[] quads(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    assertThat(b.length % 4).isZero();
    int[] q = new int[b.length / 4];
    for (int i = 0; i < q.length; i++) {
      q[i] =
          (b[4 * i] & 0xff) << 24
              | (b[4 * i + 1] & 0xff) << 16
              | (b[4 * i + 2] & 0xff) << 8
              | (b[4 * i + 3] & 0xff);
    }
    return q;
  }

  /**
   * The warm-up's exponents end at each kind of character Jackson's byte parser tells apart after
   * an exponent's digits: below '0' (a comma, a space) and above '9' (a bracket, a brace).
   */
  @Test
  void theExponentsEndAtCharactersBelowZeroAndAboveNine() {
    Matcher m = Pattern.compile("[0-9][eE][+-]?[0-9]+(.)").matcher(WarmUpRefusals.EXPONENTS);
    Set<String> ends = new TreeSet<>();
    while (m.find()) {
      ends.add(m.group(1));
    }
    assertThat(ends).contains(",", " ", "]", "}");
    ObjectValue body = (ObjectValue) Json.parse(WarmUpRefusals.EXPONENTS);
    assertThat(body.get("temperature").orElseThrow()).isInstanceOf(NumberValue.class);
    List<CheckRequest> rare = WarmUpRefusals.samples(WarmUpSamples.checks().getFirst(), 1 << 20);
    assertThat(rare)
        .anySatisfy(
            r ->
                assertThat(r.getAttributes().getRequest().getHttp().getBody())
                    .isEqualTo(WarmUpRefusals.EXPONENTS));
  }

  @Test
  void theTextShapesAreThoseHostileAndForeignBodiesBring() {
    List<CheckRequest> rare = WarmUpRefusals.samples(WarmUpSamples.checks().getFirst(), 1 << 20);
    assertThat(rare)
        .anySatisfy(
            r -> {
              var http = r.getAttributes().getRequest().getHttp();
              assertThat(http.getHeadersMap()).containsEntry("x-envoy-auth-partial-body", "true");
              assertThat(http.getHeadersMap()).containsEntry("content-encoding", "gzip");
              // bytes that are not UTF-8, as Envoy sends them in the text field
              assertThat(http.getBody()).contains("!").doesNotContain("\ufffd");
            });
    assertThat(rare)
        .anySatisfy(
            r ->
                assertThat(r.getAttributes().getRequest().getHttp().getBody())
                    .contains("\u6ce8\u6587", "\ud83d\ude42", "\\n", "frequency_penalty"));
  }

  /**
   * The long gzip body is long enough that the loops over it (the UTF-8 checks, Base64) run past
   * the JIT's on-stack-replacement threshold in one request, spans several HTTP/2 frames (16 KiB
   * each), and still fits what the warm-up sends over the wire.
   */
  @Test
  void theLongGzipBodySpansManyFramesAndIsNotText() {
    byte[] longGzip = WarmUpRefusals.LONG_GZIP;
    assertThat(longGzip.length).isBetween(48 * 1024, WarmUp.MAX_SENT / 4);
    assertThat(longGzip[0]).isEqualTo((byte) 0x1f); // gzip's magic, not UTF-8 after it
    assertThat(longGzip[1]).isEqualTo((byte) 0x8b);
    assertThat(
            WarmUpRefusals.samples(WarmUpSamples.checks().getFirst(), 1 << 20, WarmUpSwitches.ALL))
        .anySatisfy(
            r ->
                assertThat(r.getAttributes().getRequest().getHttp().getRawBody().toByteArray())
                    .isEqualTo(longGzip));
  }

  @Test
  void theLongGzipBodyIsLeftOutWhenItsSwitchIsOff() {
    CheckRequest chat = WarmUpSamples.checks().getFirst();
    WarmUpSwitches off = new WarmUpSwitches(false, true, true);
    List<CheckRequest> without = WarmUpRefusals.samples(chat, 1 << 20, off);
    assertThat(without)
        .hasSize(WarmUpRefusals.samples(chat, 1 << 20, WarmUpSwitches.ALL).size() - 1)
        .noneSatisfy(
            r ->
                assertThat(r.getAttributes().getRequest().getHttp().getRawBody().toByteArray())
                    .isEqualTo(WarmUpRefusals.LONG_GZIP));
  }

  @Test
  void theRareRequestsAreAQuarterOfTheMix() {
    List<CheckRequest> ordinary = WarmUpSamples.checks();
    List<CheckRequest> mix = WarmUpRefusals.mixedInto(ordinary, 1 << 20);
    int rare = mix.size() - WarmUpRefusals.ORDINARY_ROUNDS * ordinary.size();
    assertThat(rare).isEqualTo(WarmUpRefusals.samples(ordinary.getFirst(), 1 << 20).size());
    assertThat(rare).isBetween(18, 19); // 19 with the 64 KB gzip stream
    assertThat((double) rare / mix.size()).isBetween(0.2, 0.36);
    assertThat(mix.subList(0, ordinary.size())).isEqualTo(ordinary);
  }

  private static CheckResponse check(AuthorizationService service, CheckRequest request)
      throws Exception {
    RecordingObserver<CheckResponse> answer = new RecordingObserver<>();
    service.check(request, answer);
    return answer.firstResponse().get(30, TimeUnit.SECONDS);
  }
}
