package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.builtins.spi.TextSize;
import io.jrego.engine.builtins.yaml.YamlEmitter;
import io.jrego.engine.builtins.yaml.YamlScalars;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * {@code yaml.marshal}, {@code yaml.unmarshal} and {@code yaml.is_valid} as OPA does them (through
 * sigs.k8s.io/yaml, i.e. YAML converted to and from JSON). SnakeYAML Engine parses; plain scalars
 * are then typed by Go's YAML resolver rules rather than YAML 1.2's, so {@code 0755} is octal,
 * {@code yes} stays a string and {@code 1_000} is a thousand, as in OPA.
 */
public final class YamlBuiltins {

  private YamlBuiltins() {}

  /** The tag our resolver gives every plain scalar, so Go's rules can type it afterwards. */
  private static final Tag PLAIN = new Tag("tag:jrego.io,2025:plain");

  private static final LoadSettings SETTINGS =
      LoadSettings.builder()
          .setAllowDuplicateKeys(true)
          .setSchema(
              new org.snakeyaml.engine.v2.schema.Schema() {
                @Override
                public org.snakeyaml.engine.v2.resolver.ScalarResolver getScalarResolver() {
                  return (value, implicit) -> implicit ? PLAIN : Tag.STR;
                }

                @Override
                public java.util.Map<Tag, org.snakeyaml.engine.v2.api.ConstructNode>
                    getSchemaTagConstructors() {
                  return java.util.Map.of();
                }
              })
          // what aliases cost is bounded by counting what they expand to (Expansion), as go-yaml
          // does, not by their number: OPA reads a document of thousands of small aliases
          .setMaxAliasesForCollections(Integer.MAX_VALUE)
          .build();

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("yaml.marshal(x: any) => y: string").categories("encoding"),
        (a, c) -> {
          c.reserve(4 * TextSize.of(a[0], c.allocationLimit())); // indentation included
          return StringValue.of(YamlEmitter.marshal(a[0]));
        });
    r.add(
        Declaration.of("yaml.unmarshal(x: string) => y: any").categories("encoding"),
        (a, c) -> unmarshal(Operands.string(a[0], 1), c));
    r.add(
        Declaration.of("yaml.is_valid(x: string) => result: boolean").categories("encoding"),
        (a, c) -> {
          if (!(a[0] instanceof StringValue text)) {
            return BooleanValue.FALSE; // as OPA: anything but a string is not valid YAML
          }
          try {
            unmarshal(text.value(), c);
            return BooleanValue.TRUE;
          } catch (BuiltinException e) {
            if (e.kind() == BuiltinException.Kind.TYPE) {
              throw e;
            }
            return BooleanValue.FALSE;
          }
        });
  }

  /** The first document of {@code text} as a value; {@code null} for an empty document. */
  static Value unmarshal(String text, BuiltinContext ctx) throws BuiltinException {
    Node root;
    try {
      Iterator<Node> docs = new Compose(SETTINGS).composeAllFromString(text).iterator();
      if (!docs.hasNext()) {
        return NullValue.INSTANCE;
      }
      root = docs.next();
    } catch (MarkedYamlEngineException e) {
      String line = e.getProblemMark().map(m -> "line " + (m.getLine() + 1) + ": ").orElse("");
      throw BuiltinException.error("yaml: " + line + goProblem(e.getProblem()));
    } catch (YamlEngineException e) {
      throw BuiltinException.error("yaml: " + e.getMessage());
    }
    return toValue(root, new Expansion(ctx));
  }

  /**
   * SnakeYAML's wording of an unclosed flow collection ({@code expected ',' or ']', but got ...})
   * in go-yaml's, which OPA reports.
   */
  private static String goProblem(String problem) {
    for (String close : new String[] {"]", "}"}) {
      if (problem.startsWith("expected ',' or '" + close + "'")) {
        return "did not find expected ',' or '" + close + "'";
      }
    }
    return problem;
  }

  private static Value toValue(Node node, Expansion x) throws BuiltinException {
    boolean alias = x.enter(node);
    try {
      return switch (node) {
        case ScalarNode s -> scalar(s);
        case SequenceNode seq -> {
          ArrayValue.Builder b = new ArrayValue.Builder();
          for (Node n : seq.getValue()) {
            b.add(toValue(n, x));
          }
          yield b.build();
        }
        case MappingNode m -> {
          ObjectValue.Builder b = new ObjectValue.Builder();
          for (NodeTuple t : m.getValue()) {
            boolean keyAlias = x.enter(t.getKeyNode());
            String k = key(t.getKeyNode(), t.getValueNode());
            x.leave(keyAlias);
            b.put(StringValue.of(k), toValue(t.getValueNode(), x));
          }
          yield b.build();
        }
        default -> throw BuiltinException.error("yaml: unsupported node " + node.getNodeType());
      };
    } finally {
      x.leave(alias);
    }
  }

  /**
   * Counts the nodes a document expands to, as go-yaml's decoder does, and refuses a document whose
   * aliases make up too much of it ("billion laughs": nine lines of ten aliases each expand to a
   * billion values). SnakeYAML composes an alias as a second reference to its anchor's node;
   * go-yaml counts the alias node and then, inside it, every node of what it refers to. The rule is
   * go-yaml's: past 100 aliased and 1,000 decoded nodes, aliased nodes may be at most 99% of those
   * decoded up to 400,000, falling to 10% at 4,000,000. Each node is also a limit checkpoint, so
   * the query's deadline and allocation limit hold while a large document is converted.
   */
  private static final class Expansion {
    private final BuiltinContext ctx;
    private final Set<Node> anchored = Collections.newSetFromMap(new IdentityHashMap<>());
    private long decoded = 1; // go-yaml's document node
    private long aliased;
    private int aliasDepth;

    Expansion(BuiltinContext ctx) {
      this.ctx = ctx;
    }

    /** Counts {@code node}; true when this visit is an alias, to be closed by {@link #leave}. */
    boolean enter(Node node) throws BuiltinException {
      boolean alias = node.getAnchor().isPresent() && !anchored.add(node);
      count(); // the node itself, or the alias node standing for it
      if (alias) {
        aliasDepth++;
        count(); // the node the alias refers to
      }
      return alias;
    }

    void leave(boolean alias) {
      if (alias) {
        aliasDepth--;
      }
    }

    private void count() throws BuiltinException {
      decoded++;
      if (aliasDepth > 0) {
        aliased++;
      }
      if (aliased > 100 && decoded > 1000 && (double) aliased / decoded > allowedRatio(decoded)) {
        throw BuiltinException.error("yaml: document contains excessive aliasing");
      }
      if (ctx != null) {
        ctx.checkpoint();
      }
    }

    private static double allowedRatio(long decoded) {
      if (decoded <= 400_000) {
        return 0.99;
      }
      if (decoded >= 4_000_000) {
        return 0.10;
      }
      return 0.99 - 0.89 * ((decoded - 400_000) / 3_600_000.0);
    }
  }

  /** A mapping key as sigs.k8s.io/yaml turns it into a JSON object key. */
  private static String key(Node k, Node v) throws BuiltinException {
    if (!(k instanceof ScalarNode s)) {
      throw BuiltinException.error("yaml: invalid map key: " + k.getNodeType().toString());
    }
    Value kv = scalar(s);
    return switch (kv) {
      case StringValue str -> str.value();
      case NullValue n ->
          throw BuiltinException.error(
              "unsupported map key of type: %!s(<nil>), key: <nil>, value: "
                  + (v instanceof ScalarNode vs ? vs.getValue() : v.getNodeType().toString()));
      default -> kv.toString();
    };
  }

  private static Value scalar(ScalarNode s) throws BuiltinException {
    String text = s.getValue();
    if (!s.getTag().equals(PLAIN)) {
      return s.getTag().equals(Tag.STR) ? StringValue.of(text) : YamlScalars.resolvePlain(text);
    }
    return YamlScalars.resolvePlain(text);
  }
}
