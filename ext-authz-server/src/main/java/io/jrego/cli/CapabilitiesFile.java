package io.jrego.cli;

import io.jrego.engine.ast.Module;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.capabilities.Capabilities;
import io.jrego.engine.compiler.CapabilityChecks;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A capabilities document given to {@code --capabilities}: the builtins a policy may call and the
 * features (such as {@code rego_v1}) it may use, read from a file in OPA's format or named by a
 * version. The one version known is OPA 1.22.2's ({@code v1.22.2}), the list jrego's builtins are
 * checked against.
 *
 * @param builtins the builtin names listed
 * @param regoV1 whether the {@code rego_v1} feature is listed (needed for v1 modules)
 */
record CapabilitiesFile(Set<String> builtins, boolean regoV1) {

  private static final String OPA_VERSION = "1.22.2";

  /** A capabilities argument that names no readable document. */
  static final class CapabilitiesException extends Exception {
    private static final long serialVersionUID = 1L;

    CapabilitiesException(String message) {
      super(message);
    }
  }

  /**
   * Reads {@code arg}: a path to a JSON file, or a version ({@code v1.22.2} or {@code 1.22.2}).
   *
   * @throws CapabilitiesException when it is neither, or the file is not a capabilities document
   */
  static CapabilitiesFile read(String arg) throws CapabilitiesException {
    String text;
    Path file = Path.of(arg);
    if (Files.isRegularFile(file)) {
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CapabilitiesException(arg + ": " + e.getMessage());
      }
    } else if (arg.equals(OPA_VERSION) || arg.equals("v" + OPA_VERSION)) {
      text = opaDocument();
    } else {
      throw new CapabilitiesException(
          "invalid argument \""
              + arg
              + "\" for \"--capabilities\" flag: no such file or capabilities version found: "
              + arg);
    }
    try {
      CapabilitiesFile doc = of(Json.parse(text));
      if (!Files.isRegularFile(file)) {
        Set<String> opa = new HashSet<>(doc.builtins());
        opa.removeIf(n -> n.startsWith("jrego."));
        doc = new CapabilitiesFile(Set.copyOf(opa), doc.regoV1());
      }
      return doc;
    } catch (RuntimeException e) {
      throw new CapabilitiesException(arg + ": not a capabilities document: " + e.getMessage());
    }
  }

  private static CapabilitiesFile of(Value doc) {
    if (!(doc instanceof ObjectValue o)) {
      throw new IllegalArgumentException("expected an object");
    }
    Set<String> names = new HashSet<>();
    if (o.get("builtins").orElse(ArrayValue.EMPTY) instanceof ArrayValue list) {
      for (Value b : list) {
        if (b instanceof ObjectValue bo && bo.get("name").orElse(null) instanceof StringValue n) {
          names.add(n.value());
        }
      }
    }
    boolean v1 = false;
    if (o.get("features").orElse(ArrayValue.EMPTY) instanceof ArrayValue features) {
      v1 = features.asList().contains(StringValue.of("rego_v1"));
    }
    return new CapabilitiesFile(Set.copyOf(names), v1);
  }

  /** The calls in {@code modules} of builtins this document does not list. */
  List<RegoError> undefinedCalls(List<Module> modules) {
    return CapabilityChecks.check(modules, KnownBuiltins.NAMES, builtins);
  }

  /** OPA 1.22.2's builtins and features: jrego's document without jrego's own builtins. */
  private static String opaDocument() {
    return Capabilities.json(StandardBuiltins.registry());
  }

  /** Every builtin name jrego knows (OPA's and its own). */
  private static final class KnownBuiltins {
    static final Set<String> NAMES = StandardBuiltins.names();
  }
}
