package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --handshake-timeout} and {@code --connection-idle-timeout}: defaults, and bad values. */
class ServeConnectionDeadlinesTest {

  @Test
  void defaultsAreTenSecondsAndAMinute() throws Exception {
    String[] args = {"serve"};
    CommandLine cmd = JregoCommand.commandLine(args, Map.of());
    ServeCommand s = (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
    assertThat(s.handshakeTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.connectionIdleTimeout).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void valuesTheServerCannotUseAreAUsageErrorNamingTheOption() throws Exception {
    assertThat(run("serve", "--handshake-timeout", "0s"))
        .contains("--handshake-timeout must be positive");
    assertThat(run("serve", "--connection-idle-timeout", "500ms"))
        .contains("--connection-idle-timeout must be at least 1s");
  }

  /** What {@code jrego ARGS} prints on stderr; asserts it exits 2 (a usage error). */
  private static String run(String... args) throws Exception {
    CommandLine cmd = JregoCommand.commandLine(args, Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    cmd.setOut(new PrintWriter(new StringWriter()));
    assertThat(cmd.execute(args)).isEqualTo(2);
    return err.toString();
  }
}
