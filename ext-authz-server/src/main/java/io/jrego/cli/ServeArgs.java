package io.jrego.cli;

import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jrego serve}'s command line read without building picocli's model, for the server's
 * start-up time: picocli's classes are Java 5 class files, which the AOT cache cannot hold, so
 * building its model costs 0.15-0.40 s of every start (load-tests/README.md, "Footprint").
 *
 * <p>The options are those picocli would read, taken from the same {@link Option} annotations of
 * {@link ServeCommand} and its {@link Mixin}s; their values come from the command line, then {@link
 * ConfigDefaults} (environment, config file), then the annotations' defaults, converted as picocli
 * converts them. Only the plain forms are read here ({@code --name value}, {@code --name=value}, a
 * lone boolean flag); anything else (help, an unknown or repeated option, an argument file, a value
 * that does not convert, a value picocli might read as an option) makes {@link #parse} decline, and
 * picocli reads the whole command line as before, with its own messages. {@code ServeArgsTest}
 * checks that both fill the same values.
 */
final class ServeArgs {

  /** picocli's marker for "no default value" in {@link Option#defaultValue()}. */
  private static final String NO_DEFAULT = "__no_default_value__";

  /** Decimal numbers both of picocli's readings (valueOf, decode) agree on. */
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");

  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,9}(\\.[0-9]{1,9})?");

  private ServeArgs() {}

  /**
   * An option: its longest name, the annotated field and the object (the command or a mixin) that
   * holds it.
   */
  private record Opt(String name, Option option, Field field, Object owner) {

    boolean multi() {
      return List.class.isAssignableFrom(field.getType());
    }

    boolean optionalValue() {
      return option.arity().equals("0..1");
    }
  }

  /** Thrown inside {@link #parse} when picocli must read the command line. */
  private static final class Decline extends Exception {
    private static final long serialVersionUID = 1L;

    Decline() {
      super(null, null, false, false);
    }
  }

  /**
   * The keys a config file may hold for serve: its options' names ({@code addr}, {@code
   * admin-addr}, ...), and {@code help} and {@code version}, which picocli's model lists among
   * them.
   */
  static List<String> configKeys() {
    List<String> out = new ArrayList<>(List.of("help", "version"));
    for (Opt o : distinct(options(new ServeCommand()))) {
      out.add(o.name().replaceFirst("^-+", ""));
    }
    return out;
  }

  /**
   * A {@code serve} command with its options filled from {@code args} (after the word {@code
   * serve}) and {@code defaults}, or empty when picocli must read them.
   */
  static Optional<ServeCommand> parse(List<String> args, ConfigDefaults defaults) {
    ServeCommand serve = new ServeCommand();
    try {
      Map<String, Opt> options = options(serve);
      Map<Field, List<String>> given = given(args, options);
      for (Opt o : distinct(options)) {
        List<String> values = given.get(o.field());
        if (values == null) {
          String d = defaults.valueFor(o.name().replaceFirst("^-+", ""));
          if (d == null && !o.option().defaultValue().equals(NO_DEFAULT)) {
            d = o.option().defaultValue();
          }
          if (d == null) {
            continue; // the field keeps its initial value, as with picocli
          }
          if (d.contains("${")) {
            throw new Decline(); // picocli would interpolate it
          }
          values = split(o, d);
        }
        set(o, values);
      }
    } catch (Decline e) {
      return Optional.empty();
    }
    return Optional.of(serve);
  }

  /** The values each option was given on the command line, split as picocli splits them. */
  private static Map<Field, List<String>> given(List<String> args, Map<String, Opt> options)
      throws Decline {
    Map<Field, List<String>> given = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.equals("--")) {
        throw new Decline(); // a short option, a positional word, an @file, end of options
      }
      int eq = arg.indexOf('=');
      Opt o = options.get(eq < 0 ? arg : arg.substring(0, eq));
      if (o == null) {
        throw new Decline(); // unknown, or --help/--version: picocli answers those
      }
      String arity = o.option().arity();
      if (!(arity.isEmpty() || arity.equals("1") || o.optionalValue())
          || (o.field().getType() == boolean.class && !o.optionalValue())) {
        throw new Decline(); // a plain flag or several values: not read here
      }
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (o.optionalValue()) {
        if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
          throw new Decline(); // picocli may take the next word as the value
        }
        value = o.option().fallbackValue();
      } else {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("-")) {
          throw new Decline(); // missing, or picocli may read it as an option
        }
        value = args.get(++i);
      }
      List<String> values = given.computeIfAbsent(o.field(), k -> new ArrayList<>());
      if (!o.multi() && !values.isEmpty()) {
        throw new Decline(); // picocli refuses a repeated single-value option
      }
      values.addAll(split(o, value));
    }
    return given;
  }

  private static List<String> split(Opt o, String value) throws Decline {
    String regex = o.option().split();
    if (regex.isEmpty()) {
      return List.of(value);
    }
    if (!regex.equals(",") || value.isEmpty() || value.startsWith(",") || value.endsWith(",")) {
      throw new Decline();
    }
    List<String> out = List.of(value.split(",", -1));
    if (out.contains("")) {
      throw new Decline();
    }
    return out;
  }

  private static void set(Opt o, List<String> values) throws Decline {
    Field f = o.field();
    try {
      if (o.multi()) {
        if (!(f.getGenericType() instanceof ParameterizedType p)
            || p.getActualTypeArguments()[0] != String.class) {
          throw new Decline();
        }
        f.set(o.owner(), new ArrayList<>(values));
      } else {
        f.set(o.owner(), convert(o, values.getFirst()));
      }
    } catch (IllegalAccessException e) {
      throw new Decline();
    }
  }

  private static Object convert(Opt o, String v) throws Decline {
    Class<?> type = o.field().getType();
    if (type == String.class) {
      return v;
    }
    if (v.isEmpty() || !v.strip().equals(v)) {
      throw new Decline();
    }
    try {
      if (o.option().converter().length > 0) {
        return converter(o.option().converter()[0]).convert(v);
      }
      if (type == int.class && INTEGER.matcher(v).matches()) {
        return Integer.parseInt(v);
      }
      if (type == long.class && INTEGER.matcher(v).matches()) {
        return Long.parseLong(v);
      }
      if (type == double.class && DECIMAL.matcher(v).matches()) {
        return Double.parseDouble(v);
      }
      if (type == boolean.class && (v.equals("true") || v.equals("false"))) {
        return Boolean.parseBoolean(v);
      }
      if (type == Path.class) {
        return Path.of(v);
      }
      if (type == Duration.class) {
        return Duration.parse(v);
      }
    } catch (Exception e) {
      throw new Decline(); // picocli names what is wrong
    }
    throw new Decline();
  }

  private static ITypeConverter<?> converter(Class<? extends ITypeConverter<?>> c)
      throws ReflectiveOperationException {
    var constructor = c.getDeclaredConstructor();
    constructor.setAccessible(true);
    return constructor.newInstance();
  }

  /** serve's options by name: its own fields' and its mixins', in declaration order. */
  private static Map<String, Opt> options(ServeCommand serve) {
    Map<String, Opt> out = new LinkedHashMap<>();
    try {
      for (Field f : ServeCommand.class.getDeclaredFields()) {
        if (f.isAnnotationPresent(Mixin.class)) {
          f.setAccessible(true);
          Object mixin = f.get(serve);
          for (Field m : mixin.getClass().getDeclaredFields()) {
            add(out, m, mixin);
          }
        } else {
          add(out, f, serve);
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("serve's options are not readable", e);
    }
    return out;
  }

  private static void add(Map<String, Opt> out, Field f, Object owner) {
    Option o = f.getAnnotation(Option.class);
    if (o == null) {
      return;
    }
    f.setAccessible(true);
    String longest = o.names()[0];
    for (String name : o.names()) {
      if (name.length() > longest.length()) {
        longest = name;
      }
    }
    Opt opt = new Opt(longest, o, f, owner);
    for (String name : o.names()) {
      out.put(name, opt);
    }
  }

  /** Each option once, though it may have several names. */
  private static List<Opt> distinct(Map<String, Opt> options) {
    List<Opt> out = new ArrayList<>();
    for (Opt o : options.values()) {
      if (out.stream().noneMatch(x -> x.field().equals(o.field()))) {
        out.add(o);
      }
    }
    return out;
  }
}
