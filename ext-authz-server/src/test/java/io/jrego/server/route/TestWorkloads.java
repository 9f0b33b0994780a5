package io.jrego.server.route;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.server.bundle.BundleManager;
import io.jrego.server.bundle.BundleSource;
import io.jrego.server.bundle.LocalBundleSource;
import io.jrego.server.bundle.NamedBundleSource;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Named bundles and the routes to them, set up alike for the policy-per-workload tests (in-process
 * in {@code WorkloadRoutingTest}, through Envoy in {@code WorkloadRoutingEndToEndIT}): each
 * workload's bundle is a folder named after it, with its rules under the package of that name.
 */
public final class TestWorkloads {

  private TestWorkloads() {}

  /**
   * A bundle manager over the folders {@code names} under {@code root}, each bundle named as its
   * folder, with the default limits and no signatures. The test polls it ({@link
   * BundleManager#pollAll()}); its own timer would wait an hour.
   */
  public static BundleManager manager(
      Path root, List<String> names, PolicyHolder policies, Consumer<BundleManager.Event> events) {
    BundleLoader.Options load = new BundleLoader.Options(BundleLimits.defaults(), Optional.empty());
    List<BundleSource> sources =
        names.stream()
            .<BundleSource>map(
                n ->
                    new NamedBundleSource(
                        n, new LocalBundleSource(root.resolve(n), load, Duration.ofHours(1))))
            .toList();
    return new BundleManager(sources, policies, EngineOptions.defaults(), events);
  }

  /**
   * The route named {@code bundle} that Envoy's {@code context_extensions} {@code workload:
   * <bundle>} takes, decided by {@code data.<bundle>.authz.allow} of that bundle.
   */
  public static Route forWorkload(String bundle) {
    return new Route(
        bundle,
        Optional.of(bundle),
        bundle + "/authz/allow",
        new Route.Match(Optional.empty(), Optional.empty(), Map.of("workload", bundle)),
        Optional.empty());
  }

  /**
   * The route taken by callers whose SPIFFE ID matches {@code spiffeId} (exact, or {@code /*} for
   * every ID under a path), decided by {@code data.<bundle>.authz.allow}, with ext_proc phase rules
   * under {@code processPath} when given.
   */
  public static Route forCallers(
      String name, String bundle, String spiffeId, Optional<String> processPath) {
    return new Route(
        name,
        Optional.of(bundle),
        bundle + "/authz/allow",
        new Route.Match(Optional.of(spiffeId), Optional.empty(), Map.of()),
        processPath);
  }
}
