package io.jrego.engine.pem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.testing.TestPem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {

  @TempDir Path dir;

  @Test
  void readFile_namesTheFileAndWhatIsWrong() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> Pem.readFile("--key " + missing, missing))
        .isInstanceOf(PemException.class)
        .hasMessage("--key " + missing + ": not found");
    assertThatThrownBy(() -> Pem.readFile("k", dir)).hasMessage("k: is a folder, not a key file");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    assertThatThrownBy(() -> Pem.readFile("k", empty)).hasMessage("k: the file is empty");
    Path big = Files.write(dir.resolve("big.pem"), new byte[(int) Pem.MAX_FILE_BYTES + 1]);
    assertThatThrownBy(() -> Pem.readFile("k", big))
        .hasMessage("k: " + (Pem.MAX_FILE_BYTES + 1) + " bytes, more than a key file holds");
    Path ok = Files.writeString(dir.resolve("ok.pem"), "text");
    assertThat(Pem.readFile("k", ok)).isEqualTo("text");
  }

  @Test
  void key_tellsNoBlockFromABlockThatHoldsNoKey() {
    assertThatThrownBy(() -> Pem.key("verification key", "hello"))
        .isInstanceOf(PemException.class)
        .hasMessageStartingWith("verification key: not a PEM key: no PEM block");
    assertThatThrownBy(
            () ->
                Pem.key(
                    "k", TestPem.block("CERTIFICATE REQUEST", new byte[] {0x30, 0x03, 0x02, 0x01})))
        .hasMessageStartingWith("k: not a usable PEM key: ");
    assertThatThrownBy(() -> Pem.key("k", TestPem.block("NOT A KEY", new byte[] {1, 2, 3})))
        .hasMessageStartingWith("k: not a usable PEM key: ");
  }

  @Test
  void key_readsPrivateAndPublicForms() throws Exception {
    KeyPair rsa = TestPem.rsa();
    PemKey priv = Pem.key("k", TestPem.privateKey(rsa));
    assertThat(priv.privateKey()).contains(rsa.getPrivate());
    assertThat(priv.publicKey()).contains(rsa.getPublic()); // RSA's public half is derived

    KeyPair ec = TestPem.ec();
    PemKey ecPriv = Pem.key("k", "text before\n" + TestPem.privateKey(ec));
    assertThat(ecPriv.privateKey()).contains(ec.getPrivate());
    assertThat(ecPriv.publicKey()).isEmpty();

    PemKey pub = Pem.key("k", TestPem.publicKey(ec));
    assertThat(pub.publicKey()).contains(ec.getPublic());
    assertThat(pub.privateKey()).isEmpty();
  }

  @Test
  void pkcs8_refusesBytesThatAreNoKey() throws Exception {
    assertThatThrownBy(() -> Pem.pkcs8("svid_key.pem", new byte[] {1, 2, 3}))
        .hasMessage("svid_key.pem: not an EC, RSA or Ed25519 PKCS#8 private key");
    KeyPair ec = TestPem.ec();
    assertThat(Pem.pkcs8("k", ec.getPrivate().getEncoded())).isEqualTo(ec.getPrivate());
  }

  @Test
  void decode_skipsTextAndMalformedBlocks_asGoDoes() throws Exception {
    String text =
        "leading text\n-----BEGIN BAD-----\n!!!\n-----END BAD-----\n"
            + TestPem.block("ONE", new byte[] {1})
            + TestPem.block("TWO", new byte[] {2, 2});
    assertThat(Pem.decodeAll(text)).extracting(PemBlock::type).containsExactly("ONE", "TWO");
    PemBlock first = Pem.decode(text).orElseThrow();
    assertThat(first.bytes()).containsExactly(1);
    assertThat(first.rest()).isEqualTo(TestPem.block("TWO", new byte[] {2, 2}));
    assertThat(Pem.decode("no block")).isEmpty();
    assertThatThrownBy(() -> Pem.firstBlock("f.pem", "no block"))
        .hasMessageStartingWith("f.pem: no PEM block");
  }

  @Test
  void privateKeys_readsEveryKeyInOrder() throws Exception {
    KeyPair a = TestPem.ec();
    KeyPair b = TestPem.rsa();
    String text = TestPem.privateKey(a) + TestPem.publicKey(a) + TestPem.privateKey(b);
    assertThat(Pem.privateKeys("k", text)).containsExactly(a.getPrivate(), b.getPrivate());
  }
}
