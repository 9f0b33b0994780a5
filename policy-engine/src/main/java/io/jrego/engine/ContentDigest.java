package io.jrego.engine;

import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@link PreparedPolicy#contentDigest()}: what one compilation was given, hashed the first time it
 * is asked for (a policy whose digest nobody reads never writes its data out).
 */
final class ContentDigest {

  private final SortedMap<String, String> modules;
  private final Map<String, RegoVersion> versions;
  private final RegoVersion defaultVersion;
  private final Value data;
  private final boolean strict;
  private final boolean testMode;
  private final List<String> builtins;
  private volatile String hex;

  ContentDigest(
      Map<String, String> modules,
      Map<String, RegoVersion> versions,
      RegoVersion defaultVersion,
      Value data,
      boolean strict,
      boolean testMode,
      List<String> builtins) {
    this.modules = new TreeMap<>(modules);
    this.versions = Map.copyOf(versions);
    this.defaultVersion = defaultVersion;
    this.data = data;
    this.strict = strict;
    this.testMode = testMode;
    this.builtins = builtins.stream().sorted().toList();
  }

  String hex() {
    String h = hex;
    if (h == null) {
      h = compute();
      hex = h;
    }
    return h;
  }

  private String compute() {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    String engine = Rego.class.getPackage().getImplementationVersion();
    field(sha, "jrego " + (engine == null ? "dev" : engine));
    field(sha, "strict=" + strict + " test=" + testMode);
    for (String b : builtins) {
      field(sha, "builtin " + b);
    }
    for (Map.Entry<String, String> m : modules.entrySet()) {
      field(sha, "module " + m.getKey());
      field(sha, versions.getOrDefault(m.getKey(), defaultVersion).name());
      field(sha, m.getValue());
    }
    // Json writes an object's keys in order: the same data writes the same bytes
    field(sha, "data");
    field(sha, Json.write(data));
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Each field with its length first, so no two lists of fields hash the same bytes. */
  private static void field(MessageDigest sha, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    sha.update(ByteBuffer.allocate(Long.BYTES).putLong(b.length).flip());
    sha.update(b);
  }
}
