package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.testing.TestPem;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Key files, read through the engine's one PEM reader, say which option and what is wrong. */
class KeyFilesTest {

  @TempDir Path dir;

  @Test
  void aMissingKeyFile_saysNotFound_namingTheOption() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> KeyFiles.read("--verification-key", missing))
        .isInstanceOf(KeyFiles.KeyException.class)
        .hasMessage("--verification-key " + missing + ": not found");
    assertThatThrownBy(() -> KeyFiles.read("--signing-key", dir))
        .hasMessage("--signing-key " + dir + ": is a folder, not a key file");
  }

  @Test
  void theBundleClientKey_isReadAndCheckedWhenTheSourceIsMade() throws Exception {
    KeyPair keys = TestPem.ec();
    Path cert = Files.writeString(dir.resolve("client.crt"), selfSigned(keys));
    List<String> url = List.of("https://127.0.0.1:1/bundle.tar.gz");

    Path missing = dir.resolve("missing.key");
    assertThatThrownBy(() -> options(cert, missing).sources(url, Optional.empty()))
        .isInstanceOf(KeyFiles.KeyException.class)
        .hasMessage("--bundle-client-key " + missing + ": not found");

    Path notPem = Files.writeString(dir.resolve("notpem.key"), "hello");
    assertThatThrownBy(() -> options(cert, notPem).sources(url, Optional.empty()))
        .hasMessageStartingWith("--bundle-client-key " + notPem + ": not a PEM key: no PEM block");

    Path pub = Files.writeString(dir.resolve("public.key"), TestPem.publicKey(keys));
    assertThatThrownBy(() -> options(cert, pub).sources(url, Optional.empty()))
        .hasMessage("--bundle-client-key " + pub + ": not a private key");

    Path key = Files.writeString(dir.resolve("client.key"), TestPem.privateKey(keys));
    assertThat(options(cert, key).sources(url, Optional.empty())).hasSize(1);
  }

  private static BundleOptions options(Path cert, Path key) {
    return CommandLine.populateCommand(
        new BundleOptions(),
        "--bundle-client-cert",
        cert.toString(),
        "--bundle-client-key",
        key.toString());
  }

  private static String selfSigned(KeyPair keys) throws Exception {
    X500Name name = new X500Name("CN=client");
    Instant now = Instant.now();
    var holder =
        new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(now.minus(Duration.ofMinutes(1))),
                Date.from(now.plus(Duration.ofHours(1))),
                name,
                keys.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    return TestPem.block("CERTIFICATE", holder.getEncoded());
  }
}
