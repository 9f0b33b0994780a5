package io.jrego.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Default values for options from the environment and a YAML config file; flags on the command line
 * override both, and the built-in defaults apply when neither names an option. The variable for
 * {@code --admin-addr} is {@code JREGO_ADMIN_ADDR}; the file key is {@code admin-addr} (or {@code
 * admin_addr}).
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

  private final Map<String, String> env;
  private final Map<String, String> file;

  ConfigDefaults(Map<String, String> env, Map<String, String> file) {
    this.env = Map.copyOf(env);
    this.file = Map.copyOf(file);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec o) || o.usageHelp() || o.versionHelp()) {
      return null;
    }
    return valueFor(name(o));
  }

  /**
   * The value of the option named {@code name} (without dashes: {@code admin-addr}) from the
   * environment, else the file, or null when neither names it.
   */
  String valueFor(String name) {
    String fromEnv = env.get("JREGO_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null) {
      return fromEnv;
    }
    return file.get(name);
  }

  private static String name(OptionSpec o) {
    return o.longestName().replaceFirst("^-+", "");
  }

  /**
   * Reads a flat YAML mapping of option names to scalar values; keys use {@code -}. The structured
   * sections {@code bundles} and {@code routes} are left to {@link Workloads}.
   */
  static Map<String, String> readFile(Path path) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
    } catch (IOException e) {
      throw new IOException("config " + path + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new HashMap<>();
    if (root == null || root.isNull() || root.isMissingNode()) {
      return out;
    }
    if (!root.isObject()) {
      throw new IOException("config " + path + ": expected a mapping of option names to values");
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (Workloads.SECTIONS.contains(e.getKey())) {
        continue; // structured: read by Workloads
      }
      JsonNode v = e.getValue();
      if (!v.isValueNode()) {
        throw new IOException("config " + path + ": " + e.getKey() + " must be a single value");
      }
      out.put(e.getKey().replace('_', '-'), v.isNull() ? "" : v.asText());
    }
    return out;
  }

  /** Rejects file keys that name no option, so a typo does not pass silently. */
  static void checkKeys(Map<String, String> file, CommandSpec spec, Optional<Path> path) {
    Set<String> known = new HashSet<>();
    for (OptionSpec o : spec.options()) {
      known.add(name(o));
    }
    checkKeys(file, known, path);
  }

  /** Rejects file keys not among {@code known} option names (without dashes). */
  static void checkKeys(Map<String, String> file, Collection<String> known, Optional<Path> path) {
    for (String k : file.keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            "config " + path.map(Path::toString).orElse("") + ": unknown option " + k);
      }
    }
  }
}
