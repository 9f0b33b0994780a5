package io.jrego.cli;

import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.VerificationConfig;
import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemException;
import io.jrego.server.bundle.BundleSource;
import io.jrego.server.bundle.HttpBundleSource;
import io.jrego.server.bundle.LocalBundleSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** {@code jrego serve}'s options for fetching, polling and verifying bundles. */
final class BundleOptions {

  @Option(
      names = "--bundle-poll-interval",
      defaultValue = "2s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How often folder and file bundles are checked for changes.")
  Duration pollInterval;

  @Option(
      names = "--bundle-min-delay",
      defaultValue = "60s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Shortest wait between polls of an http(s) bundle (OPA's min_delay_seconds).")
  Duration minDelay;

  @Option(
      names = "--bundle-max-delay",
      defaultValue = "120s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Longest wait between polls of an http(s) bundle (OPA's max_delay_seconds).")
  Duration maxDelay;

  @Option(
      names = "--bundle-timeout",
      defaultValue = "30s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Connect and request timeout for http(s) bundles.")
  Duration timeout;

  @Option(
      names = "--bundle-token-file",
      paramLabel = "FILE",
      description = "File holding a bearer token for the bundle service.")
  Path tokenFile;

  @Option(
      names = "--bundle-ca-cert",
      paramLabel = "PEM",
      description = "CA certificates to trust for https bundles, instead of the JDK's.")
  Path caCert;

  @Option(
      names = "--bundle-client-cert",
      paramLabel = "PEM",
      description = "Client certificate (chain) for https bundles; needs --bundle-client-key.")
  Path clientCert;

  @Option(
      names = "--bundle-client-key",
      paramLabel = "PEM",
      description = "Private key of --bundle-client-cert (PEM: PKCS#8, PKCS#1 or SEC1).")
  Path clientKey;

  @Option(
      names = "--bundle-max-bytes",
      defaultValue = "0",
      paramLabel = "BYTES",
      description =
          "Largest bundle, uncompressed (each file at most a quarter of it); 0 for an eighth of"
              + " the heap.")
  long maxBytes;

  @Option(
      names = "--bundle-max-rego-bytes",
      defaultValue = "0",
      paramLabel = "BYTES",
      description =
          "Largest sum of a bundle's Rego sources (compiling keeps about 50 times the source);"
              + " 0 for 1/256 of the heap.")
  long maxRegoBytes;

  @Option(
      names = "--bundle-max-files",
      defaultValue = "10000",
      paramLabel = "N",
      description = "Most files in a bundle.")
  int maxFiles;

  static boolean isUrl(String s) {
    return s.startsWith("http://") || s.startsWith("https://");
  }

  /**
   * The sources for {@code specs}, each reading bundles with these limits and {@code verification}.
   *
   * @throws KeyFiles.KeyException if the token file cannot be read
   */
  List<BundleSource> sources(List<String> specs, Optional<VerificationConfig> verification)
      throws IOException, GeneralSecurityException, KeyFiles.KeyException {
    BundleLoader.Options load = new BundleLoader.Options(limits(), verification);
    List<BundleSource> out = new ArrayList<>();
    for (String spec : specs) {
      if (isUrl(spec)) {
        Optional<String> token =
            tokenFile == null
                ? Optional.empty()
                : Optional.of(KeyFiles.read("--bundle-token-file", tokenFile).strip());
        out.add(
            new HttpBundleSource(
                URI.create(spec),
                load,
                new HttpBundleSource.HttpOptions(minDelay, maxDelay, timeout, token, tls())));
      } else {
        Path p = Path.of(spec);
        if (!Files.exists(p)) {
          throw new IllegalArgumentException("--bundle " + spec + ": no such folder or file");
        }
        out.add(new LocalBundleSource(p, load, pollInterval));
      }
    }
    return out;
  }

  /**
   * The limits bundles are read with: {@link BundleLimits#defaults()} (derived from the heap) where
   * an option is 0.
   */
  BundleLimits limits() {
    BundleLimits d = BundleLimits.defaults();
    long total = maxBytes > 0 ? maxBytes : d.maxTotalBytes();
    return new BundleLimits(
        maxFiles,
        maxBytes > 0 ? Math.max(1, maxBytes / 4) : d.maxFileBytes(),
        total,
        maxRegoBytes > 0 ? maxRegoBytes : d.maxModuleBytes(),
        d.maxDepth(),
        d.maxLoadBytes());
  }

  private Optional<SSLContext> tls()
      throws IOException, GeneralSecurityException, KeyFiles.KeyException {
    if (caCert == null && clientCert == null) {
      return Optional.empty();
    }
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    TrustManagerFactory tmf = null;
    if (caCert != null) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c :
          cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(caCert)))) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
    }
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      if (clientKey == null) {
        throw new IllegalArgumentException("--bundle-client-cert needs --bundle-client-key");
      }
      Certificate[] chain =
          cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(clientCert)))
              .toArray(new Certificate[0]);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] pw = new char[0];
      ks.setKeyEntry("client", privateKey(clientKey), pw, chain);
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        kmf == null ? null : kmf.getKeyManagers(),
        tmf == null ? null : tmf.getTrustManagers(),
        null);
    return Optional.of(ctx);
  }

  /** The client's private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM. */
  private static PrivateKey privateKey(Path pem) throws KeyFiles.KeyException {
    String where = "--bundle-client-key " + pem;
    try {
      return Pem.key(where, KeyFiles.read("--bundle-client-key", pem))
          .privateKey()
          .orElseThrow(() -> new KeyFiles.KeyException(where + ": not a private key"));
    } catch (PemException e) {
      throw new KeyFiles.KeyException(e.getMessage(), e);
    }
  }
}
