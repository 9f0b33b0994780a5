package io.jrego.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jrego}: the command line. Each sub-command is a class listed in {@link #SUBCOMMANDS}; add
 * new ones there.
 */
@Command(
    name = "jrego",
    mixinStandardHelpOptions = true,
    versionProvider = JregoCommand.Version.class,
    description = "An OPA-compatible Rego policy server for Envoy ext_authz.",
    synopsisSubcommandLabel = "COMMAND")
public final class JregoCommand implements Runnable {

  /** The sub-commands, in the order {@code --help} lists them. */
  static final Class<?>[] SUBCOMMANDS = {
    ServeCommand.class,
    EvalCommand.class,
    TestCommand.class,
    CheckCommand.class,
    FmtCommand.class,
    BuildCommand.class,
    SignCommand.class,
    PushCommand.class,
    CapabilitiesCommand.class
  };

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs {@code jrego} and exits with its code. */
  public static void main(String[] args) {
    long mainNanos = System.nanoTime();
    System.exit(run(args, System.getenv(), mainNanos));
  }

  /** Runs {@code jrego} with an environment, returning the exit code. */
  static int run(String[] args, Map<String, String> env) {
    return run(args, env, System.nanoTime());
  }

  private static int run(String[] args, Map<String, String> env, long mainNanos) {
    if (args.length > 0 && args[0].equals("serve")) {
      Optional<ServeCommand> serve;
      try {
        serve = readServe(args, env);
      } catch (IOException | IllegalArgumentException e) {
        System.err.println("jrego: " + e.getMessage());
        return 2;
      }
      if (serve.isPresent()) {
        return runServe(serve.get(), args, env, mainNanos);
      }
    }
    CommandLine cmd;
    try {
      cmd = commandLine(args, env);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("jrego: " + e.getMessage());
      return 2;
    }
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (sub.getCommandSpec().userObject() instanceof ServeCommand serve) {
        serve.mainEnteredAt(mainNanos); // for its start-up line
      }
    }
    return cmd.execute(args);
  }

  /**
   * {@code serve} with its options read by {@link ServeArgs}, or empty when picocli must read them
   * (help, a usage error, an unusual form).
   *
   * @throws IOException if the config file cannot be read
   * @throws IllegalArgumentException if it names an option serve does not have
   */
  private static Optional<ServeCommand> readServe(String[] args, Map<String, String> env)
      throws IOException {
    Optional<Path> config = configPath(args, env);
    Map<String, String> file =
        config.isPresent() ? ConfigDefaults.readFile(config.get()) : Map.of();
    ConfigDefaults.checkKeys(file, ServeArgs.configKeys(), config);
    return ServeArgs.parse(List.of(args).subList(1, args.length), new ConfigDefaults(env, file));
  }

  /**
   * Runs a {@code serve} that {@link ServeArgs} read, answering as picocli's {@code execute} would:
   * a value serve refuses with the message and serve's usage (picocli's model is built only then),
   * any other exception with its stack trace and exit code 1.
   */
  private static int runServe(
      ServeCommand serve, String[] args, Map<String, String> env, long mainNanos) {
    serve.useEnvironment(env);
    serve.mainEnteredAt(mainNanos);
    serve.commandLineWhenNeeded(args, env);
    try {
      return serve.call();
    } catch (CommandLine.ParameterException e) {
      try {
        return e.getCommandLine().getParameterExceptionHandler().handleParseException(e, args);
      } catch (Exception printing) {
        printing.printStackTrace(System.err);
        System.err.flush();
        return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
      }
    } catch (RuntimeException e) {
      e.printStackTrace(System.err);
      System.err.flush();
      return 1;
    }
  }

  /** serve's picocli command line, as {@link #commandLine} makes it, for a usage error. */
  static CommandLine serveCommandLine(String[] args, Map<String, String> env) {
    try {
      return commandLine(args, env).getSubcommands().get("serve");
    } catch (IOException e) {
      throw new IllegalStateException("config file unreadable on a second reading", e);
    }
  }

  /**
   * The command line with its default values: environment ({@code JREGO_<OPTION>}), then the YAML
   * file named by {@code --config} (or {@code JREGO_CONFIG}), then the built-in defaults.
   *
   * @throws IOException if the config file cannot be read
   */
  static CommandLine commandLine(String[] args, Map<String, String> env) throws IOException {
    CommandLine cmd = new CommandLine(new JregoCommand());
    for (Class<?> sub : subcommandsFor(args)) {
      cmd.addSubcommand(sub);
    }
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (sub.getCommandSpec().userObject() instanceof UsesEnvironment u) {
        u.useEnvironment(env);
      }
    }
    Optional<Path> config = configPath(args, env);
    Map<String, String> file =
        config.isPresent() ? ConfigDefaults.readFile(config.get()) : Map.of();
    if (!file.isEmpty()) {
      CommandLine serve = cmd.getSubcommands().get("serve");
      ConfigDefaults.checkKeys(
          file,
          serve != null
              ? serve.getCommandSpec()
              : new CommandLine(ServeCommand.class).getCommandSpec(),
          config);
    }
    cmd.setDefaultValueProvider(new ConfigDefaults(env, file));
    return cmd;
  }

  /**
   * The sub-commands to register: only the one {@code args} runs, when its first word names one.
   * Picocli reads every option of every registered command by reflection, which is most of a short
   * command's start-up time ({@code load-tests/cli_startup.py}); help and unknown words get all.
   */
  static List<Class<?>> subcommandsFor(String[] args) {
    if (args.length > 0) {
      for (Class<?> sub : SUBCOMMANDS) {
        if (sub.getAnnotation(Command.class).name().equals(args[0])) {
          return List.of(sub);
        }
      }
    }
    return List.of(SUBCOMMANDS);
  }

  private static Optional<Path> configPath(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Optional.of(Path.of(args[i + 1]));
      }
      if (args[i].startsWith("--config=")) {
        return Optional.of(Path.of(args[i].substring("--config=".length())));
      }
    }
    return Optional.ofNullable(env.get("JREGO_CONFIG")).filter(s -> !s.isEmpty()).map(Path::of);
  }

  /** A command that reads secrets from environment variables the user names. */
  interface UsesEnvironment {
    /** The environment to read them from: the process's, or a test's. */
    void useEnvironment(Map<String, String> env);
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = JregoCommand.class.getPackage().getImplementationVersion();
      return new String[] {
        "jrego " + (v == null ? "dev" : v),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
