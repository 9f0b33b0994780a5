package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BundleSignaturesTest {

  private static SortedMap<String, byte[]> bundle() {
    SortedMap<String, byte[]> m = new TreeMap<>();
    m.put(".manifest", "{\"revision\":\"r1\",\"roots\":[\"a\"]}".getBytes(StandardCharsets.UTF_8));
    m.put("a/p.rego", "package a\nallow := true\n".getBytes(StandardCharsets.UTF_8));
    m.put("a/data.json", "{\"v\": 1.50, \"s\": \"<\\u00e9>\"}".getBytes(StandardCharsets.UTF_8));
    return m;
  }

  private static VerificationConfig verifier(String alg, TestKeys keys, String scope) {
    return new VerificationConfig(alg, keys.publicPem(), "default", scope, List.of());
  }

  private static SortedMap<String, byte[]> signed(String alg, TestKeys keys) throws Exception {
    return BundleSignatures.sign(
        bundle(), new SigningConfig(alg, keys.privatePem(), "default", Optional.empty()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "PS384", "ES256", "HS256", "HS512"})
  void signThenVerify_acceptsTheSameKey(String alg) throws Exception {
    TestKeys keys = TestKeys.forAlg(alg);
    SortedMap<String, byte[]> files = signed(alg, keys);
    BundleSignatures.verify("b", files, verifier(alg, keys, ""));
    Bundle b =
        BundleLoader.fromFiles(
            "b.tar.gz",
            true,
            files,
            new BundleLoader.Options(
                BundleLimits.defaults(), Optional.of(verifier(alg, keys, ""))));
    assertThat(b.revision()).isEqualTo("r1");
  }

  @Test
  void verify_hashesStructuredFilesIndependentlyOfLayout() throws Exception {
    TestKeys keys = TestKeys.rsa();
    SortedMap<String, byte[]> files = signed("RS256", keys);
    files.put(
        "a/data.json", "{\n  \"s\": \"<é>\",\n  \"v\": 1.50\n}\n".getBytes(StandardCharsets.UTF_8));
    BundleSignatures.verify("b", files, verifier("RS256", keys, ""));
  }

  @Test
  void verify_refusesAChangedFileNamingIt() throws Exception {
    TestKeys keys = TestKeys.rsa();
    SortedMap<String, byte[]> files = signed("RS256", keys);
    files.put("a/p.rego", "package a\nallow := false\n".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> BundleSignatures.verify("b", files, verifier("RS256", keys, "")))
        .hasMessageContaining("a/p.rego: digest mismatch");
    SortedMap<String, byte[]> data = signed("RS256", keys);
    data.put("a/data.json", "{\"v\": 1.5, \"s\": \"<é>\"}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> BundleSignatures.verify("b", data, verifier("RS256", keys, "")))
        .hasMessageContaining("a/data.json: digest mismatch");
  }

  @Test
  void verify_refusesExtraAndMissingFiles() throws Exception {
    TestKeys keys = TestKeys.ec();
    SortedMap<String, byte[]> extra = signed("ES256", keys);
    extra.put("a/q.rego", "package a\n".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> BundleSignatures.verify("b", extra, verifier("ES256", keys, "")))
        .hasMessageContaining("file a/q.rego not included in bundle signature");
    SortedMap<String, byte[]> missing = signed("ES256", keys);
    missing.remove("a/data.json");
    assertThatThrownBy(() -> BundleSignatures.verify("b", missing, verifier("ES256", keys, "")))
        .hasMessageContaining("file(s) [a/data.json] specified in bundle signatures but not found");
  }

  @Test
  void keysThatAreNoPemKey_sayWhichKeyAndWhatIsWrong() throws Exception {
    TestKeys keys = TestKeys.ec();
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new VerificationConfig("ES256", "hello", "default", "", List.of())))
        .isInstanceOf(BundleException.class)
        .hasMessageStartingWith("verification key: not a PEM key: no PEM block");
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new VerificationConfig("ES256", keys.privatePem(), "default", "", List.of())))
        .hasMessage("verification key: give the public key, not the private one");
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new SigningConfig("ES256", keys.publicPem(), "default", Optional.empty())))
        .hasMessage("signing key: not a private key that can sign ES256");
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new SigningConfig(
                        "ES256",
                        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                        "default",
                        Optional.empty())))
        .hasMessageStartingWith("signing key: not a usable PEM key: ");
  }

  @Test
  void verify_refusesAnotherKeyAMissingSignatureAndAWrongScope() throws Exception {
    TestKeys keys = TestKeys.rsa();
    SortedMap<String, byte[]> files = signed("RS256", keys);
    assertThatThrownBy(
            () -> BundleSignatures.verify("b", files, verifier("RS256", TestKeys.rsa(), "")))
        .hasMessageContaining("failed to verify the bundle signature");
    assertThatThrownBy(() -> BundleSignatures.verify("b", bundle(), verifier("RS256", keys, "")))
        .hasMessageContaining("bundle missing .signatures.json file");
    assertThatThrownBy(() -> BundleSignatures.verify("b", files, verifier("RS256", keys, "prod")))
        .hasMessageContaining("scope mismatch");
    ObjectValue claims = (ObjectValue) Json.parse("{\"scope\":\"prod\"}");
    SortedMap<String, byte[]> scoped =
        BundleSignatures.sign(
            bundle(),
            new SigningConfig("RS256", keys.privatePem(), "default", Optional.of(claims)));
    BundleSignatures.verify("b", scoped, verifier("RS256", keys, "prod"));
    assertThat(claims.get("scope")).contains(StringValue.of("prod"));
  }

  @Test
  void hash_matchesOpaForStructuredDocuments() throws Exception {
    // digests taken from a bundle signed by opa build 1.22.2
    assertThat(
            FileHash.hash(
                ".manifest",
                "{\"revision\":\"r1\",\"roots\":[\"a\"],\"rego_version\":1}"
                    .getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("d5cd4a38f94ff4f237f9b374e6227d89b3a081e31ac4f6a3050a072e7945ffa8");
    assertThat(
            FileHash.hash(
                "data.json",
                "{\"a\":{\"b\":{\"s\":\"\\u003cé\\u003e\\u2028\",\"v\":1.50,\"z\":[1,{\"a\":1,\"b\":2}]}}}"
                    .getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("c575a197336254b389f07dbd8cf56a894c01df2b84376585967f53d68c39da57");
  }
}
