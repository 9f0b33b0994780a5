package io.jrego.cli;

import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.capabilities.Capabilities;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jrego capabilities}: prints OPA 1.22.2's capabilities document with jrego's own builtins
 * added, as {@code opa capabilities --current} prints OPA's. Give the output to {@code opa check
 * --capabilities} (or an editor) so policies calling {@code jrego.*} check cleanly; the committed
 * copy is {@code rego-policies/capabilities/jrego.json}.
 */
@Command(
    name = "capabilities",
    mixinStandardHelpOptions = true,
    description =
        "Print the capabilities JSON (OPA 1.22.2's builtins plus jrego's), as opa capabilities --current does.")
public final class CapabilitiesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(Capabilities.json(StandardBuiltins.registry()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
