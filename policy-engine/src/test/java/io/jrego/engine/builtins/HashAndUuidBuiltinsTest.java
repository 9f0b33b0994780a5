package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.call;
import static io.jrego.engine.builtins.BuiltinCalls.callIn;
import static io.jrego.engine.builtins.BuiltinCalls.json;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HashAndUuidBuiltinsTest {

  @Test
  void digests_matchOpa() throws Exception {
    assertThat(call("crypto.md5", s("lorem ipsum")))
        .isEqualTo(s("80a751fde577028640c419000e33eba6"));
    assertThat(call("crypto.sha1", s("lorem ipsum")))
        .isEqualTo(s("bfb7759a67daeb65410490b4d98bb9da7d1ea2ce"));
    assertThat(call("crypto.sha256", s("lorem ipsum")))
        .isEqualTo(s("5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269"));
  }

  @Test
  void hmacs_matchOpaIncludingUnicode() throws Exception {
    assertThat(call("crypto.hmac.md5", s("foo"), s("bar")))
        .isEqualTo(s("31b6db9e5eb4addb42f1a6ca07367adc"));
    assertThat(call("crypto.hmac.sha1", s("foo"), s("bar")))
        .isEqualTo(s("85d155c55ed286a300bd1cf124de08d87e914f3a"));
    assertThat(call("crypto.hmac.sha256", s("foo"), s("bar")))
        .isEqualTo(s("147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851"));
    assertThat(call("crypto.hmac.sha512", s("foo"), s("bar")))
        .isEqualTo(
            s(
                "24257d7210582a65c731ec55159c8184cc24c02489453e58587f71f44c23a2d61b4b72154a89d17b"
                    + "2d49448a8452ea066f4fc56a2bcead45c088572ffccdb3d8"));
    assertThat(call("crypto.hmac.md5", s("åäöçß🥲♙Ω"), s("秘密の")))
        .isEqualTo(s("20a8743c2157ac60b7e8b79c83651b8d"));
    assertThat(call("crypto.hmac.sha256", s("åäöçß🥲♙Ω"), s("秘密の")))
        .isEqualTo(s("eb90daeb76d4b2571fbdaf94bbb240809faa8fed93ec0c260dd38c3fdf8d963a"));
  }

  @Test
  void hmac_acceptsEmptyKey() throws Exception {
    // HMAC-SHA256 of "" under the empty key (RFC 4231 style known value).
    assertThat(call("crypto.hmac.sha256", s(""), s("")))
        .isEqualTo(s("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
  }

  @Test
  void hmacEqual_comparesStrings() throws Exception {
    assertThat(call("crypto.hmac.equal", s("31b6db9e"), s("31b6db9e")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("crypto.hmac.equal", s("31b6db9e5eb4addb"), s("31b6db9e")))
        .isEqualTo(BooleanValue.FALSE);
    assertThatThrownBy(() -> call("crypto.hmac.equal", NumberValue.of(1), s("a")))
        .hasMessage("operand 1 must be string but got number");
  }

  @Test
  void uuidParse_decodesVersionsAndForms() throws Exception {
    assertThat(call("uuid.parse", s("00000000-0000-4000-8000-000000000000")))
        .isEqualTo(json("{\"variant\": \"RFC4122\", \"version\": 4}"));
    assertThat(call("uuid.parse", s("{00000000-0000-4000-8000-000000000000}")))
        .isEqualTo(json("{\"variant\": \"RFC4122\", \"version\": 4}"));
    assertThat(call("uuid.parse", s("6bea8ef2d3d33cd184e09bab06a52ece")))
        .isEqualTo(json("{\"variant\": \"RFC4122\", \"version\": 3}"));
    Value v2 =
        json(
            "{\"clocksequence\": 12800, \"domain\": \"Person\", \"id\": 1000, \"macvariables\":"
                + " \"local:unicast\", \"nodeid\": \"32-50-96-b3-9f-47\", \"time\":"
                + " 1693566990121469600, \"variant\": \"RFC4122\", \"version\": 2}");
    assertThat(call("uuid.parse", s("000003e8-48b9-21ee-b200-325096b39f47"))).isEqualTo(v2);
    assertThat(call("uuid.parse", s("urn:uuid:000003e8-48b9-21ee-b200-325096b39f47")))
        .isEqualTo(v2);
    assertThat(call("uuid.parse", s("not-a-uuid"))).isNull();
    assertThat(call("uuid.parse", s("00000000-0000-4000-8000-00000000000g"))).isNull();
  }

  @Test
  void uuidRfc4122_isStablePerQueryAndKey() throws Exception {
    BuiltinContext ctx = BuiltinContext.standard();
    Value a = callIn(ctx, "uuid.rfc4122", s("key"));
    assertThat(callIn(ctx, "uuid.rfc4122", s("key"))).isEqualTo(a);
    assertThat(((StringValue) a).value())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    Set<Value> fresh = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      fresh.add(callIn(BuiltinContext.standard(), "uuid.rfc4122", s("key")));
    }
    assertThat(fresh).hasSizeGreaterThan(1);
    assertThat(StandardBuiltins.registry().lookup("uuid.rfc4122").orElseThrow().deterministic())
        .isFalse();
  }

  @Test
  void randIntn_isStablePerQueryAndInRange() throws Exception {
    BuiltinContext ctx = BuiltinContext.standard();
    Value a = callIn(ctx, "rand.intn", s("key"), NumberValue.of(100));
    assertThat(callIn(ctx, "rand.intn", s("key"), NumberValue.of(-100))).isEqualTo(a);
    assertThat(((NumberValue) a).longValue()).isBetween(0L, 99L);
    assertThat(call("rand.intn", s("k"), NumberValue.of(0))).isEqualTo(NumberValue.ZERO);
    assertThatThrownBy(() -> call("rand.intn", s("k"), NumberValue.of(1.5)))
        .hasMessage("operand 2 must be integer number but got floating-point number");
  }
}
