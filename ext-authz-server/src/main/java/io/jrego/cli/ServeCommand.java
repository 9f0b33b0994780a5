package io.jrego.cli;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.bundle.VerificationConfig;
import io.jrego.server.JregoServer;
import io.jrego.server.ProcessGuard;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.bundle.BundleManager;
import io.jrego.server.bundle.BundleSource;
import io.jrego.server.bundle.NamedBundleSource;
import io.jrego.server.bundle.PolicyWarmUp;
import io.jrego.server.decide.LongEvaluations;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.CheckServer;
import io.jrego.server.grpc.ConnectionDeadlines;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.grpc.ListenAddress;
import io.jrego.server.grpc.OnError;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.process.CheckedDecision;
import io.jrego.server.process.ProcessStream;
import io.jrego.server.route.Route;
import io.jrego.server.route.RouteTable;
import io.jrego.server.tls.AllowedCallers;
import io.jrego.server.tls.SvidException;
import io.jrego.server.tls.SvidFiles;
import io.jrego.server.tls.SvidTls;
import io.jrego.server.tls.TlsConfig;
import io.jrego.server.tls.WorkloadApi;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jrego serve}: the ext_authz gRPC server with its admin port. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Serves Envoy's ext_authz Check API (envoy.service.auth.v3.Authorization) from a policy"
          + " bundle, answering as OPA-Envoy does.",
      "Every option may also come from the environment (JREGO_<OPTION>, e.g. JREGO_ADMIN_ADDR) or"
          + " a YAML file (--config, keys as option names); flags win over the environment, which"
          + " wins over the file."
    })
public final class ServeCommand implements Callable<Integer>, JregoCommand.UsesEnvironment {

  /**
   * The default bundles, relative to a jrego checkout: the ai-gateway policy and, beside it, the
   * ai-guards bundle whose {@code jrego.injection.scan} its prompt-injection rule reads (without
   * it, only ai-gateway's OPA-portable phrase markers would guard prompts).
   */
  static final List<String> DEFAULT_BUNDLES =
      List.of("rego-policies/ai-gateway", "rego-policies/ai-guards");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * When {@link ServeArgs} read the options instead of picocli: the command line and environment to
   * build picocli's model from for a usage error (kept as data, not as a lambda, whose type would
   * load picocli's main class at every start); otherwise null.
   */
  private String[] lateArgs;

  private Map<String, String> lateEnv;

  void commandLineWhenNeeded(String[] args, Map<String, String> env) {
    this.lateArgs = args.clone();
    this.lateEnv = env;
  }

  /** picocli's command line, made now if {@link ServeArgs} read the options. */
  private CommandLine commandLine() {
    if (spec == null) {
      spec = JregoCommand.serveCommandLine(lateArgs, lateEnv).getCommandSpec();
    }
    return spec.commandLine();
  }

  private PrintWriter out() {
    return spec != null
        ? spec.commandLine().getOut()
        : Console.writer(System.out, "sun.stdout.encoding");
  }

  private PrintWriter err() {
    return spec != null
        ? spec.commandLine().getErr()
        : Console.writer(System.err, "sun.stderr.encoding");
  }

  /**
   * Standard output and error as picocli's command line writes them when not told otherwise: in the
   * charset {@code sun.stdout.encoding} (or {@code sun.stderr.encoding}) names, else the default
   * one, buffered and flushed at each line.
   */
  private static final class Console {
    private Console() {}

    static PrintWriter writer(java.io.PrintStream stream, String property) {
      String name = System.getProperty(property);
      if ("cp65001".equalsIgnoreCase(name)) {
        name = "UTF-8";
      }
      Charset charset = name != null ? Charset.forName(name) : Charset.defaultCharset();
      return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
    }
  }

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of option values.")
  Path config;

  @Option(
      names = "--addr",
      defaultValue = ":9191",
      paramLabel = "ADDR",
      description = "gRPC listen address: host:port, :port, grpc://host:port or unix:///path.")
  String addr;

  @Option(
      names = "--admin-addr",
      defaultValue = "127.0.0.1:8181",
      paramLabel = "ADDR",
      description =
          "HTTP admin address (/health, /ready, /metrics): host:port or :port (all interfaces);"
              + " empty or off for none. Loopback by default: it has no authentication.")
  String adminAddr;

  @Option(
      names = "--bundle",
      paramLabel = "DIR|FILE|URL",
      description =
          "Bundle to serve: a folder, a .tar.gz file (both watched for changes) or an http(s) URL"
              + " polled as OPA's bundle service. Repeatable, with disjoint roots. Default: "
              + "rego-policies/ai-gateway and rego-policies/ai-guards in the jrego checkout.")
  List<String> bundles = new ArrayList<>();

  @Mixin BundleOptions bundleOptions = new BundleOptions();

  @Mixin VerificationOptions verification = new VerificationOptions();

  @Mixin BudgetOptions budgetOptions = new BudgetOptions();

  @Mixin ObservabilityOptions observability = new ObservabilityOptions();

  /**
   * When {@code main} began, for the start-up line ({@link System#nanoTime()}); unless told, when
   * this object was made.
   */
  private long mainNanos = System.nanoTime();

  void mainEnteredAt(long nanos) {
    this.mainNanos = nanos;
  }

  /** Where secrets named by environment variable are read; the process's, or a test's. */
  Map<String, String> env = System.getenv();

  @Override
  public void useEnvironment(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Option(
      names = "--path",
      defaultValue = "envoy/authz/allow",
      paramLabel = "PATH",
      description = "Decision path under data, / or . separated.")
  String path;

  @Option(
      names = "--process-path",
      defaultValue = "envoy/process",
      paramLabel = "PATH",
      description =
          "Root of ext_proc's phase rules under data: <PATH>/request and <PATH>/response.")
  String processPath;

  @Option(
      names = "--max-body-bytes",
      defaultValue = "1048576",
      paramLabel = "BYTES",
      description =
          "ext_proc: largest request body, buffered response body (decompressed) or SSE event;"
              + " larger ones are refused (413 for a request, 502 for a response).")
  int maxBodyBytes;

  @Option(
      names = "--stream-max-hold",
      defaultValue = "16384",
      paramLabel = "CHARS",
      description =
          "ext_proc: most answer text held back for one choice of an SSE stream while a value"
              + " may still be completing.")
  int streamMaxHold;

  @Option(
      names = "--carry-check-decision",
      defaultValue = "auto",
      paramLabel = "WHEN",
      description =
          "ext_proc: when Check writes its decision into the dynamic metadata Envoy forwards to"
              + " the request's ext_proc stream, which then reads it instead of evaluating it"
              + " again: auto (once a stream shows Envoy forwards ext_authz's namespace), always,"
              + " never.")
  String carryCheckDecision;

  @Option(
      names = "--response-body-mode",
      defaultValue = "full-duplex",
      paramLabel = "MODE",
      description =
          "ext_proc: how response bodies travel: full-duplex (FULL_DUPLEX_STREAMED, asked at the"
              + " request headers) or streamed (STREAMED/BUFFERED, set at the response headers).")
  String responseBodyMode;

  @Option(
      names = "--dry-run",
      defaultValue = "false",
      fallbackValue = "true",
      arity = "0..1",
      paramLabel = "BOOL",
      description =
          "Allow every request whatever the decision (decisions are still logged and counted).")
  boolean dryRun;

  @Option(
      names = "--enable-reflection",
      defaultValue = "false",
      fallbackValue = "true",
      arity = "0..1",
      paramLabel = "BOOL",
      description = "Offer gRPC server reflection.")
  boolean reflection;

  @Option(
      names = "--skip-request-body-parse",
      defaultValue = "false",
      fallbackValue = "true",
      arity = "0..1",
      paramLabel = "BOOL",
      description = "Leave parsed_body and truncated_body out of the input.")
  boolean skipBody;

  @Option(
      names = "--trust-xfcc",
      defaultValue = "false",
      fallbackValue = "true",
      arity = "0..1",
      paramLabel = "BOOL",
      description =
          "Take input.spiffe from the x-forwarded-client-cert header's URI= when the peer"
              + " certificate gives none. Only when the proxy sanitises that header.")
  boolean trustXfcc;

  @Option(
      names = "--max-form-params",
      defaultValue = "1000",
      paramLabel = "N",
      description =
          "The most &-separated parameters a query string or form body may have; more are"
              + " answered 400 naming this limit, counted before anything is decoded (as Jetty's"
              + " maxFormKeys). At most 10000, OPA-Envoy's own limit.")
  int maxFormParams;

  @Option(
      names = "--max-recv-msg-size",
      defaultValue = "4194304",
      paramLabel = "BYTES",
      description = "Largest CheckRequest accepted.")
  int maxRecv;

  @Option(
      names = "--max-send-msg-size",
      defaultValue = "2147483647",
      paramLabel = "BYTES",
      description = "Largest CheckResponse sent.")
  int maxSend;

  @Option(
      names = "--on-error",
      defaultValue = "grpc-error",
      paramLabel = "MODE",
      description =
          "On an undefined decision, evaluation error or bad decision: grpc-error (fail the RPC;"
              + " Envoy's failure_mode_allow/status_on_error decide) or deny (answer --error-status).")
  String onError;

  @Option(
      names = "--error-status",
      defaultValue = "403",
      paramLabel = "CODE",
      description = "HTTP status of the answer when --on-error=deny.")
  int errorStatus;

  @Option(
      names = "--eval-timeout",
      defaultValue = "200ms",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long one check may take on its thread, input mapping and evaluation together; then"
              + " it fails with reason timeout (see --on-error). Keep it below Envoy's ext_authz"
              + " timeout (200ms unless configured).")
  Duration evalTimeout;

  @Option(
      names = "--threads",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Checks evaluated at once; 0 for four times the number of processors (at least 8). Long"
              + " evaluations (--long-eval-*) get threads of their own on top: one per"
              + " --long-eval-slots and --long-eval-waiting.")
  int threads;

  @Option(
      names = "--queue-size",
      defaultValue = "4096",
      paramLabel = "N",
      description = "Checks waiting for a thread before new ones are refused.")
  int queueSize;

  @Option(
      names = "--max-connections",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Connections open at once on the gRPC port; more are closed as they arrive. 0 for a"
              + " quarter of the heap in 1 MiB flow-control windows (at least 16).")
  int maxConnections;

  @Option(
      names = "--handshake-timeout",
      defaultValue = "10s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long a new connection to the gRPC port may take to finish its TLS and HTTP/2"
              + " handshake before it is closed, so that silent connections cannot hold"
              + " --max-connections' slots.")
  Duration handshakeTimeout;

  @Option(
      names = "--connection-idle-timeout",
      defaultValue = "1m",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long a connection to the gRPC port may stay open with no call before the server"
              + " sends GOAWAY and closes it (at least 1s); clients such as Envoy reconnect for"
              + " their next call.")
  Duration connectionIdleTimeout;

  @Option(
      names = "--long-eval-after",
      defaultValue = "5ms",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "An evaluation still running after this long becomes a long one: long ones run one per"
              + " --long-eval-slots at a --long-eval-duty share of a CPU, so expensive checks"
              + " cannot take cheap ones' CPU; they still end at --eval-timeout. 0 turns this off.")
  Duration longEvalAfter;

  @Option(
      names = "--long-eval-slots",
      defaultValue = "1",
      paramLabel = "N",
      description = "Long evaluations running at once (see --long-eval-after).")
  int longEvalSlots;

  @Option(
      names = "--long-eval-waiting",
      defaultValue = "-1",
      paramLabel = "N",
      description =
          "Long evaluations that may wait for a slot, each holding its thread and input; one more"
              + " ends at once with reason overloaded. -1 for as many as --long-eval-slots.")
  int longEvalWaiting;

  @Option(
      names = "--long-eval-duty",
      defaultValue = "25",
      paramLabel = "PERCENT",
      description =
          "The share of a CPU a running long evaluation may take: it works 1 ms, then pauses;"
              + " halved after each 25 ms it has held its slot, down to a sixteenth (see"
              + " --long-eval-after).")
  int longEvalDuty;

  @Option(
      names = "--eval-max-allocation",
      defaultValue = "0",
      paramLabel = "BYTES",
      description =
          "Bytes one evaluation may allocate, garbage included, before it ends with"
              + " eval_limit_error; 0 for the heap divided by four times --threads.")
  long evalMaxAllocation;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "10s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "On SIGTERM, how long checks in flight may take to finish.")
  Duration shutdownGrace;

  // 500 ms: a first 10 s of traffic with a p99 5.7x lower than without; ready 1.6-1.75 s from the
  // process start on one CPU, over issue 12's 1.5 s (load-tests/README.md, "Footprint")
  @Option(
      names = "--warm-up",
      defaultValue = "500ms",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Before reporting ready, run made-up checks until the JIT compiler has settled, at most"
              + " this long; 0s for none.")
  Duration warmUp;

  // 200 ms: a fifth of a CPU-second on the bundle thread per swap, against 106 deoptimisations in
  // the first second after a swap without it (load-tests/README.md, "Session 7 rounds")
  @Option(
      names = "--policy-warm-up",
      defaultValue = "200ms",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Before a new bundle serves, evaluate it on the inputs of recent checks (one kept per"
              + " 100 ms, in memory only) for at most this long, on the bundle thread; 0s for none.")
  Duration policyWarmUp;

  @Option(
      names = "--tls-svid-dir",
      paramLabel = "DIR",
      description =
          "Serve the gRPC port over mutual TLS with the X.509 SVID in DIR: svid.pem (leaf first),"
              + " svid_key.pem (PKCS#8) and bundle.pem (trusted CAs), as spiffe-helper writes them;"
              + " re-read when they change. Needs --tls-allowed-spiffe-id.")
  Path tlsSvidDir;

  @Option(
      names = "--tls-cert-file",
      paramLabel = "FILE",
      description = "The SVID (PEM chain, leaf first), instead of DIR/svid.pem.")
  Path tlsCertFile;

  @Option(
      names = "--tls-key-file",
      paramLabel = "FILE",
      description = "The SVID's private key (PEM, PKCS#8), instead of DIR/svid_key.pem.")
  Path tlsKeyFile;

  @Option(
      names = "--tls-ca-file",
      paramLabel = "FILE",
      description = "The trust bundle callers' SVIDs must chain to, instead of DIR/bundle.pem.")
  Path tlsCaFile;

  @Option(
      names = "--tls-allowed-spiffe-id",
      paramLabel = "ID",
      split = ",",
      description =
          "A SPIFFE ID that may call (Envoy's), or every ID under a path with /* at the end"
              + " (spiffe://cluster.local/ns/edge/*). Repeatable or comma-separated. Others are"
              + " refused (UNAUTHENTICATED, PERMISSION_DENIED) before any policy runs.")
  List<String> tlsAllowed = new ArrayList<>();

  @Option(
      names = "--tls-workload-api",
      arity = "0..1",
      fallbackValue = "env",
      paramLabel = "ADDR",
      description =
          "Serve the gRPC port over mutual TLS with the X.509 SVID streamed by the SPIFFE Workload"
              + " API at ADDR (unix:///run/spire/sockets/agent.sock); without ADDR, from"
              + " SPIFFE_ENDPOINT_SOCKET. Instead of the SVID files. Needs"
              + " --tls-allowed-spiffe-id.")
  String tlsWorkloadApi;

  @Option(
      names = "--tls-workload-api-timeout",
      defaultValue = "15s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long serve waits at start for the Workload API's first SVID.")
  Duration tlsWorkloadApiTimeout;

  @Option(
      names = "--tls-poll-interval",
      defaultValue = "1s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often the SVID files are checked for a rotation.")
  Duration tlsPoll;

  /**
   * The mTLS settings, or empty without any --tls- file option.
   *
   * @throws IllegalArgumentException when they are incomplete
   */
  Optional<TlsConfig> tlsConfig() {
    boolean anyFile =
        tlsSvidDir != null || tlsCertFile != null || tlsKeyFile != null || tlsCaFile != null;
    if (tlsWorkloadApi != null) {
      if (anyFile) {
        throw new IllegalArgumentException(
            "--tls-workload-api and the SVID files (--tls-svid-dir, --tls-*-file) exclude each"
                + " other: give one source");
      }
      return Optional.of(
          new TlsConfig(workloadApi(), AllowedCallers.parse(requireAllowed()), tlsPoll));
    }
    if (!anyFile) {
      if (!tlsAllowed.isEmpty()) {
        throw new IllegalArgumentException(
            "--tls-allowed-spiffe-id needs mTLS: give --tls-svid-dir (or the three --tls-*-file)"
                + " or --tls-workload-api");
      }
      return Optional.empty();
    }
    if (tlsSvidDir == null && (tlsCertFile == null || tlsKeyFile == null || tlsCaFile == null)) {
      throw new IllegalArgumentException(
          "mTLS needs --tls-svid-dir, or all of --tls-cert-file, --tls-key-file and --tls-ca-file");
    }
    SvidFiles dir = SvidFiles.inDirectory(tlsSvidDir == null ? Path.of(".") : tlsSvidDir);
    SvidFiles files =
        new SvidFiles(
            tlsCertFile != null ? tlsCertFile : dir.certificate(),
            tlsKeyFile != null ? tlsKeyFile : dir.key(),
            tlsCaFile != null ? tlsCaFile : dir.bundle());
    return Optional.of(new TlsConfig(files, AllowedCallers.parse(requireAllowed()), tlsPoll));
  }

  private List<String> requireAllowed() {
    if (tlsAllowed.isEmpty()) {
      throw new IllegalArgumentException(
          "mTLS needs --tls-allowed-spiffe-id: the SPIFFE IDs that may call (Envoy's)");
    }
    return tlsAllowed;
  }

  /** The Workload API of --tls-workload-api, or of SPIFFE_ENDPOINT_SOCKET when it names none. */
  private WorkloadApi workloadApi() {
    if (!tlsWorkloadApi.isEmpty() && !tlsWorkloadApi.equals("env")) {
      return WorkloadApi.parse(tlsWorkloadApi, tlsWorkloadApiTimeout);
    }
    String fromEnv = env.get(WorkloadApi.ENDPOINT_VARIABLE);
    if (fromEnv == null || fromEnv.isBlank()) {
      throw new IllegalArgumentException(
          "--tls-workload-api without an address needs "
              + WorkloadApi.ENDPOINT_VARIABLE
              + " (e.g. unix:///run/spire/sockets/agent.sock)");
    }
    try {
      return WorkloadApi.parse(fromEnv, tlsWorkloadApiTimeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(WorkloadApi.ENDPOINT_VARIABLE + ": " + e.getMessage(), e);
    }
  }

  /**
   * The first decision path (the routes' or {@code --path}) that the policy active at start can
   * never define, as an error naming the option, or empty when all are defined or no policy is
   * active yet (a bundle from a URL not fetched yet). Routes whose bundle is not active yet are
   * left out.
   */
  private Optional<String> undefinedDecision(PolicyHolder policies, Workloads workloads) {
    if (policies.current().isEmpty()) {
      return Optional.empty();
    }
    PreparedPolicy policy = policies.current().get().policy();
    Map<String, String> active = policies.current().get().bundles();
    List<String[]> decisions = new ArrayList<>();
    if (workloads.routes().isPresent()) {
      for (Route r : workloads.routes().get().routes()) {
        // a route whose bundle has not arrived yet fails as no_policy until it does (the others
        // serve); its path cannot be checked before then
        if (r.bundle().isEmpty() || active.containsKey(r.bundle().get())) {
          decisions.add(new String[] {"route " + r.name(), r.path()});
        }
      }
    } else {
      decisions.add(new String[] {"--path", path});
    }
    for (String[] d : decisions) {
      try {
        policy.prepare(d[1]);
      } catch (RegoException e) {
        return Optional.of(d[0] + " " + d[1] + ": " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  @Override
  public Integer call() {
    long commandNanos = System.nanoTime();
    PrintWriter err = err();
    PrintWriter out = out();
    ListenAddress grpc;
    Optional<InetSocketAddress> admin;
    OnError mode;
    try {
      grpc = ListenAddress.parse(addr);
      admin = adminAddress(adminAddr);
      mode =
          switch (onError.toLowerCase(Locale.ROOT)) {
            case "grpc-error", "grpc_error" -> OnError.GRPC_ERROR;
            case "deny" -> OnError.DENY;
            default ->
                throw new IllegalArgumentException(
                    "--on-error must be grpc-error or deny, got " + onError);
          };
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    Workloads workloads;
    try {
      workloads = Workloads.read(Optional.ofNullable(config));
    } catch (IOException e) {
      err.println("jrego serve: " + e.getMessage());
      err.flush();
      return 2;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    List<String> sources;
    try {
      sources = bundles.isEmpty() && workloads.bundles().isEmpty() ? defaultBundles() : bundles;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    AuthorizationService.Config check;
    try {
      AuthorizationService.Config.Builder b =
          AuthorizationService.Config.builder()
              .decisionPath(path)
              .input(new InputMapper.Options(skipBody, trustXfcc, maxFormParams))
              .dryRun(dryRun)
              .onError(mode, errorStatus)
              .maxSendBytes(maxSend)
              .evalTimeout(evalTimeout);
      workloads.routes().ifPresent(b::routes);
      check = b.build(); // its own checks first, as the flags are listed
      check = check.withPacing(new LongEvaluations(longEvaluationSettings()));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    Optional<TlsConfig> tls;
    try {
      tls = tlsConfig();
      if (tls.isPresent() && !(grpc instanceof ListenAddress.Tcp)) {
        throw new IllegalArgumentException("--tls-* needs a TCP --addr, got " + addr);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    if (tls.isPresent()) {
      try {
        SvidTls.check(tls.get().source());
      } catch (SvidException e) {
        err.println("jrego serve: " + e.getMessage()); // a file to fix, not a usage to show
        err.flush();
        return 2;
      }
    }
    ExternalProcessorService.Config process;
    try {
      process =
          new ExternalProcessorService.Config(
              processPath,
              switch (responseBodyMode.toLowerCase(Locale.ROOT)) {
                case "full-duplex", "full_duplex" -> ProcessStream.Strategy.FULL_DUPLEX;
                case "streamed" -> ProcessStream.Strategy.STREAMED;
                default ->
                    throw new IllegalArgumentException(
                        "--response-body-mode must be full-duplex or streamed, got "
                            + responseBodyMode);
              },
              maxBodyBytes,
              streamMaxHold,
              carrying(carryCheckDecision));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    if (maxConnections < 0) {
      throw new CommandLine.ParameterException(
          commandLine(), "--max-connections must not be negative: " + maxConnections);
    }
    ConnectionDeadlines deadlines;
    try {
      deadlines = new ConnectionDeadlines(handshakeTimeout, connectionIdleTimeout);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    CheckServer.Config server =
        CheckServer.Config.builder(grpc)
            .maxRecvBytes(maxRecv)
            .threads(checkThreads())
            .queueCapacity(queueSize)
            .reflection(reflection)
            .shutdownGrace(shutdownGrace)
            .warmUp(warmUp)
            .tls(tls)
            .maxConnections(maxConnections)
            .deadlines(deadlines)
            .build();
    PolicyHolder policies = new PolicyHolder();
    BundleManager manager;
    // made before the first poll, so a bundle refused at start is counted and shown by /ready
    ServerMetrics metrics = new ServerMetrics();
    ProcessGuard.install(metrics);
    Optional<VerificationConfig> verify;
    try {
      verify = verification.config(env);
    } catch (KeyFiles.KeyException e) {
      err.println("jrego serve: " + e.getMessage()); // a file to fix, not a usage to show
      err.flush();
      return 2;
    }
    try {
      List<BundleSource> all = new ArrayList<>(bundleOptions.sources(sources, verify));
      all.addAll(namedSources(workloads, verify));
      manager =
          new BundleManager(
              all, policies, engineOptions(), event -> report(event, metrics, policies, out, err));
      manager.warmUpWith(new PolicyWarmUp(check.routes(), policies.recentInputs(), policyWarmUp));
      if (!workloads.bundles().isEmpty()) {
        // each route fails closed on its own until its bundle arrives: one workload's missing
        // bundle must not keep the others closed
        manager.activateEachSourceAsItArrives();
      }
      metrics.awaitBundlesFrom(manager::awaiting);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    } catch (KeyFiles.KeyException e) {
      err.println("jrego serve: " + e.getMessage());
      err.flush();
      return 2;
    }
    long setUpNanos = System.nanoTime();
    manager.pollAll(); // activates nothing until every source has brought a bundle
    long bundlesNanos = System.nanoTime();
    if (policies.current().isEmpty() && !manager.awaiting().isEmpty()) {
      err.println(
          "jrego: no policy active: waiting for the first bundle of "
              + String.join(", ", manager.awaiting())
              + "; until then checks fail as without a policy");
      err.flush();
    }
    if (policies.current().isEmpty()
        && sources.stream().noneMatch(BundleOptions::isUrl)
        && workloads.bundles().values().stream()
            .noneMatch(b -> BundleOptions.isUrl(b.resource()))) {
      return 1; // a local bundle that does not load at start is an error, as before
    }
    Optional<String> undefined = undefinedDecision(policies, workloads);
    if (undefined.isPresent()) {
      manager.close();
      err.println("jrego serve: " + undefined.get());
      err.flush();
      return 1;
    }
    Optional<BudgetGate> budgets;
    try {
      budgets = budgetOptions.gate(metrics);
    } catch (IllegalArgumentException e) {
      manager.close();
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    }
    ObservabilityOptions.Started observe;
    try {
      String version = JregoCommand.class.getPackage().getImplementationVersion();
      observe = observability.start(version == null ? "dev" : version, System.err);
    } catch (IllegalArgumentException e) {
      manager.close();
      budgets.ifPresent(BudgetGate::close);
      throw new CommandLine.ParameterException(commandLine(), e.getMessage(), e);
    } catch (IOException e) {
      manager.close();
      budgets.ifPresent(BudgetGate::close);
      err.println("jrego serve: decision log: " + e.getMessage());
      err.flush();
      return 2;
    }
    observe.logger().ifPresent(l -> l.stats().bindTo(metrics.registry()));
    JregoServer running;
    try {
      running =
          JregoServer.start(
              policies, metrics, server, check, process, admin, budgets, observe.recorder());
    } catch (IOException e) {
      manager.close();
      budgets.ifPresent(BudgetGate::close);
      observe.close(Duration.ZERO);
      err.println("jrego: cannot listen: " + e.getMessage());
      return 1;
    }
    long readyNanos = System.nanoTime();
    manager.start();
    List<String> served = new ArrayList<>(sources);
    workloads.bundles().forEach((name, b) -> served.add(name + "=" + b.resource()));
    out.printf(
        "jrego serving %s on %s%s (admin %s), %s%s%n",
        String.join(", ", served),
        grpc instanceof ListenAddress.Tcp t
            ? new ListenAddress.Tcp(t.host(), running.grpcPort())
            : grpc,
        tls.map(t -> " (mTLS)").orElse(""),
        admin.isPresent() ? ":" + running.adminPort() : "off",
        workloads
            .routes()
            .map(ServeCommand::describeRoutes)
            .orElse("decision data." + path.replace('/', '.')),
        dryRun ? " (dry-run)" : "");
    out.println(
        StartUpTimes.of(
                StartUpTimes.processAge(),
                System.nanoTime(),
                mainNanos,
                commandNanos,
                setUpNanos,
                bundlesNanos,
                readyNanos,
                running.warmUpTook())
            .describe());
    out.flush();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  Shutdown.watchdog(shutdownGrace, status -> Runtime.getRuntime().halt(status));
                  // printed, not logged: the JDK's logging closes its handlers at shutdown
                  err.println(
                      "jrego: stopping: checks in flight get "
                          + shutdownGrace.toMillis()
                          + " ms, then are cancelled");
                  err.flush();
                  manager.close();
                  running.shutdown();
                  budgets.ifPresent(BudgetGate::close);
                  observe.close(Duration.ofSeconds(2));
                  err.println("jrego: stopped");
                  err.flush();
                },
                "jrego-shutdown"));
    running.awaitTermination();
    return 0;
  }

  private static void report(
      BundleManager.Event event,
      ServerMetrics metrics,
      PolicyHolder policies,
      PrintWriter out,
      PrintWriter err) {
    switch (event) {
      case BundleManager.Activated a -> {
        metrics.bundleActivated(a.source());
        BundleManager.Load l = a.load();
        // concatenated, not formatted, as the warm-up's line below: both are written on the bundle
        // thread at every swap, and java.util.Formatter writing to this stream threw out the code
        // compiled for the checks' own formatting (fault matrix, cpu-policy swap, session 23:
        // Formatter$FixedString.print@16 and FormatSpecifier.printInteger@16 class_check traps on
        // each replica, then their C2 compiles again, in the swap's first second)
        out.println(
            "jrego: activated bundle revision "
                + a.policy().revision()
                + " from "
                + a.source()
                + " at "
                + a.policy().activatedAt()
                + " (read in "
                + l.read().toMillis()
                + " ms, compiled in "
                + l.compile().toMillis()
                + " ms; modules parsed "
                + l.parsed()
                + ", reused "
                + l.reused()
                + (l.compileReused() ? "; compiled rules reused" : "")
                + ")");
        out.flush();
      }
      case BundleManager.Waiting w -> {
        metrics.bundleArrived(w.source());
        out.printf(
            "jrego: bundle revision %s from %s arrived; no policy is active until the first"
                + " bundle of %s arrives too%n",
            w.revision(), w.source(), String.join(", ", w.missing()));
        out.flush();
      }
      case BundleManager.WarmedUp w -> {
        PolicyWarmUp.Result r = w.result();
        if (r.evaluations() > 0 || r.failures() > 0) {
          out.println(
              "jrego: warmed the new policy from "
                  + w.source()
                  + ": "
                  + r.evaluations()
                  + " evaluations on recent inputs in "
                  + r.took().toMillis()
                  + " ms"
                  + r.firstError()
                      .map(e -> ", " + r.failures() + " failed (the first: " + e + ")")
                      .orElse("")
                  + (r.cut() > 0 ? ", " + r.cut() + " inputs too expensive to warm on" : ""));
          out.flush();
        }
      }
      case BundleManager.Failed f -> {
        metrics.bundleFailed(f.source(), f.reason(), f.message(), f.at());
        err.println(
            "jrego: bundle refused ["
                + f.reason()
                + "]"
                + (policies.current().isPresent() ? " (the active policy stays): " : ": ")
                + f.message());
        err.flush();
      }
    }
  }

  /**
   * The sources of the config file's named bundles, each verified with its own key when it names
   * one, else with {@code --verification-*}'s.
   */
  private List<BundleSource> namedSources(Workloads workloads, Optional<VerificationConfig> verify)
      throws IOException, GeneralSecurityException, KeyFiles.KeyException {
    List<BundleSource> out = new ArrayList<>();
    for (Workloads.NamedBundle b : workloads.bundles().values()) {
      Optional<VerificationConfig> own = verify;
      if (b.verifies()) {
        own = Optional.of(VerificationOptions.config(b, env));
      }
      for (BundleSource s : bundleOptions.sources(List.of(b.resource()), own)) {
        out.add(new NamedBundleSource(b.name(), s));
      }
    }
    return out;
  }

  /** The routes, for the start-up line: {@code routes a -> data.x.allow, b -> data.y.allow}. */
  private static CheckedDecision.Carrying carrying(String text) {
    try {
      return CheckedDecision.Carrying.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--carry-check-decision: " + e.getMessage(), e);
    }
  }

  private static String describeRoutes(RouteTable table) {
    List<String> parts = new ArrayList<>();
    for (Route r : table.routes()) {
      parts.add(r.name() + " -> data." + r.path().replace('/', '.'));
    }
    return "routes " + String.join(", ", parts);
  }

  /**
   * How long evaluations are paced: {@code --long-eval-*}, with one long evaluation waiting per
   * slot unless {@code --long-eval-waiting} says otherwise.
   */
  LongEvaluations.Settings longEvaluationSettings() {
    if (longEvalAfter.isZero()) {
      return LongEvaluations.Settings.OFF;
    }
    if (longEvalWaiting < -1) {
      throw new IllegalArgumentException(
          "--long-eval-waiting must be -1 (as many as --long-eval-slots) or more: "
              + longEvalWaiting);
    }
    int waiting = longEvalWaiting == -1 ? longEvalSlots : longEvalWaiting;
    return new LongEvaluations.Settings(longEvalAfter, longEvalSlots, longEvalDuty, waiting);
  }

  /**
   * The check threads: {@code --threads} (or its default) for checks, plus the threads long
   * evaluations can hold at once ({@link LongEvaluations.Settings#threadsHeld}), so that however
   * many expensive checks run, pause or wait, cheap checks keep as many threads as without them.
   */
  int checkThreads() {
    return CheckServer.threadCount(threads) + longEvaluationSettings().threadsHeld();
  }

  /**
   * The engine's limits: an evaluation may allocate the heap divided by four times the check
   * threads, so that all of them at once take at most a quarter of it, unless configured.
   */
  EngineOptions engineOptions() {
    long budget = evalMaxAllocation;
    if (budget <= 0) {
      int n = CheckServer.threadCount(threads);
      budget = Math.max(1L << 20, Runtime.getRuntime().maxMemory() / (4L * n));
    }
    return EngineOptions.defaults().withMaxAllocationBytes(budget);
  }

  private static Optional<InetSocketAddress> adminAddress(String text) {
    if (text.isBlank() || text.equalsIgnoreCase("off")) {
      return Optional.empty();
    }
    if (!(ListenAddress.parse(text) instanceof ListenAddress.Tcp tcp)) {
      throw new IllegalArgumentException("--admin-addr must be host:port or :port, got " + text);
    }
    return Optional.of(tcp.socketAddress());
  }

  /**
   * Without --bundle: {@link #DEFAULT_BUNDLES} in the first jrego checkout found (jrego.home, the
   * working directory, the jar's) that holds the first of them; all of them must be there.
   */
  private static List<String> defaultBundles() {
    List<Path> checkouts = new ArrayList<>();
    String home = System.getProperty("jrego.home");
    if (home != null) {
      checkouts.add(Path.of(home));
    }
    checkouts.add(Path.of(""));
    try {
      Path jar =
          Path.of(ServeCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // ext-authz-server/target/jrego.jar (or target/classes): three levels up is the checkout
      Path checkout = jar.toAbsolutePath().getParent();
      for (int i = 0; i < 2 && checkout != null; i++) {
        checkout = checkout.getParent();
      }
      if (checkout != null) {
        checkouts.add(checkout);
      }
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      // no usable code source: the other candidates remain
    }
    for (Path c : checkouts) {
      if (Files.isDirectory(c.resolve(DEFAULT_BUNDLES.getFirst()))) {
        List<String> found = new ArrayList<>();
        for (String b : DEFAULT_BUNDLES) {
          Path folder = c.resolve(b).toAbsolutePath().normalize();
          if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(
                "no --bundle given and the default bundle "
                    + b
                    + " is missing beside "
                    + DEFAULT_BUNDLES.getFirst()
                    + " (looked for "
                    + folder
                    + ")");
          }
          found.add(folder.toString());
        }
        return found;
      }
    }
    throw new IllegalArgumentException(
        "no --bundle given and "
            + DEFAULT_BUNDLES.getFirst()
            + " not found (looked in "
            + checkouts.stream().map(c -> c.resolve(DEFAULT_BUNDLES.getFirst())).toList()
            + ")");
  }
}
