package io.jrego.loadtests;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Splits a jrego replica's CPU in time windows by thread kind, and its check threads' CPU by the
 * work they were doing, from a flight recording (issue 14, the fault matrix's cpu-policy phase):
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.JfrCpuSplit REC.jfr \
 *     NAME=EPOCH_SECONDS+SECONDS ...
 * </pre>
 *
 * <p>Windows are the fault matrix's phases (its JSON's {@code started_at} and {@code seconds}).
 * Record the replicas with {@code JREGO_JAVA_OPTS}: {@code -XX:FlightRecorderOptions:stackdepth=256
 * -XX:StartFlightRecording:settings=profile,filename=F-%p.jfr,dumponexit=true,
 * jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms,jdk.ThreadPark#threshold=2ms,
 * jdk.Compilation#threshold=0ms,jdk.ThreadCPULoad#period=1s} (JDK 25: {@code jdk.CPUTimeSample}
 * samples each thread by its CPU time, native code included).
 *
 * <p>Per window: each thread kind's CPU ({@code jdk.ThreadCPULoad}: check threads, gRPC event
 * loops, the JIT's compiler threads, the bundle thread, JFR, other Java threads), the JVM's ({@code
 * jdk.CPULoad}; less the Java threads': GC and VM threads), GC pause time, compilations (count,
 * time, the longest), the pacer's pauses and waits for the long-evaluation slot ({@code
 * jdk.ThreadPark} under {@code LongEvaluations$Pace}), and the check threads' CPU split by their
 * {@code jdk.CPUTimeSample} stacks: the matrix's hostile rule (three nested {@code
 * Evaluator.eachEntry}: the cubic {@code repeated_turns}; none in a calm phase), Check's input
 * (body or protobuf parse, mapping), Check's other evaluation, ext_proc. A hostile-rule sample on a
 * thread whose last pacer pause ended less than 10 ms before it counts as paced, else unpaced (the
 * quick budget). Allocation by the same split ({@code jdk.ObjectAllocationSample} weights).
 */
public final class JfrCpuSplit {

  private JfrCpuSplit() {}

  private record Window(String name, Instant from, Instant to) {
    boolean has(Instant t) {
      return !t.isBefore(from) && t.isBefore(to);
    }
  }

  static final String HOSTILE = "hostile rule (3 nested iterations)";

  static String threadKind(String thread) {
    if (thread == null) {
      return "other";
    }
    if (thread.startsWith("C1 CompilerThread") || thread.startsWith("C2 CompilerThread")) {
      return "jit";
    }
    if (thread.startsWith("jrego-check")) {
      return "check";
    }
    if (thread.startsWith("jrego-grpc-io")) {
      return "grpc-io";
    }
    if (thread.startsWith("jrego-bundles")) {
      return "bundles";
    }
    if (thread.startsWith("JFR")) {
      return "jfr";
    }
    return "other";
  }

  static String work(RecordedStackTrace st) {
    if (st == null) {
      return "no stack";
    }
    int each = 0;
    boolean input = false;
    boolean eval = false;
    boolean ext = false;
    boolean parse = false;
    for (RecordedFrame f : st.getFrames()) {
      String m = f.getMethod().getType().getName() + "." + f.getMethod().getName();
      if (m.endsWith("Evaluator.eachEntry")) {
        each++;
      }
      input |= m.contains("InputMapper.");
      parse |= m.contains("BodyParser.") || m.contains("MessageMarshaller.parse");
      eval |= m.endsWith("Decider.evaluate");
      ext |= m.contains("process.ProcessStream");
    }
    if (each >= 3) {
      return HOSTILE;
    }
    if (ext) {
      return eval ? "ext_proc evaluation" : "ext_proc other";
    }
    if (eval) {
      return "Check evaluation, other";
    }
    if (input) {
      return parse ? "Check input: body parse" : "Check input: mapping";
    }
    return parse ? "protobuf parse" : "other";
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static String threadName(RecordedThread t) {
    return t == null ? null : t.getJavaName() != null ? t.getJavaName() : t.getOSName();
  }

  /** Runs the split; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      throw new IllegalArgumentException(
          "usage: JfrCpuSplit REC.jfr NAME=EPOCH_SECONDS+SECONDS ...");
    }
    List<Window> windows = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String[] nv = args[i].split("=", 2);
      String[] at = nv[1].split("\\+", 2);
      Instant from = Instant.ofEpochMilli(Math.round(Double.parseDouble(at[0]) * 1000));
      windows.add(
          new Window(nv[0], from, from.plusMillis(Math.round(Double.parseDouble(at[1]) * 1000))));
    }
    int cpus = Runtime.getRuntime().availableProcessors();
    Map<String, Map<String, Double>> threadCpu = new HashMap<>();
    Map<String, Map<String, Integer>> samples = new HashMap<>();
    Map<String, Map<String, Double>> allocated = new HashMap<>();
    Map<String, Map<String, double[]>> compiled = new HashMap<>();
    Map<String, double[]> totals = new HashMap<>(); // jvm cpu, gc ms, pauses n/ms, waits n/ms
    Map<Long, TreeSet<Long>> pauseEnds = new HashMap<>();
    List<Object[]> hostile = new ArrayList<>(); // thread id, time, window
    for (Window w : windows) {
      threadCpu.put(w.name(), new TreeMap<>());
      samples.put(w.name(), new TreeMap<>());
      allocated.put(w.name(), new TreeMap<>());
      compiled.put(w.name(), new HashMap<>());
      totals.put(w.name(), new double[6]);
    }
    try (RecordingFile rf = new RecordingFile(Path.of(args[0]))) {
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        String type = e.getEventType().getName();
        Instant t = e.getStartTime();
        if (type.equals("jdk.CPUInformation")) {
          cpus = e.getInt("hwThreads");
          continue;
        }
        boolean pace = false;
        boolean slot = false;
        if (type.equals("jdk.ThreadPark")) {
          if (e.getStackTrace() == null) {
            continue;
          }
          for (RecordedFrame f : e.getStackTrace().getFrames()) {
            String m = f.getMethod().getType().getName() + "." + f.getMethod().getName();
            slot |= m.endsWith("LongEvaluations$Pace.takeSlot");
            pace |= m.endsWith("LongEvaluations$Pace.run");
          }
          if (!pace) {
            continue;
          }
          if (!slot) {
            pauseEnds
                .computeIfAbsent(e.getThread().getJavaThreadId(), k -> new TreeSet<>())
                .add(nanos(e.getEndTime()));
          }
        }
        for (Window w : windows) {
          if (!w.has(t)) {
            continue;
          }
          double[] tot = totals.get(w.name());
          switch (type) {
            case "jdk.ThreadPark" -> {
              tot[slot ? 4 : 2]++;
              tot[slot ? 5 : 3] += e.getDuration().toNanos() / 1e6;
            }
            case "jdk.ThreadCPULoad" ->
                threadCpu
                    .get(w.name())
                    .merge(
                        threadKind(threadName(e.getThread())),
                        (double) (e.getFloat("user") + e.getFloat("system")) * cpus,
                        Double::sum);
            case "jdk.CPULoad" ->
                tot[0] += (e.getFloat("jvmUser") + e.getFloat("jvmSystem")) * cpus;
            case "jdk.GarbageCollection" -> tot[1] += e.getDuration("sumOfPauses").toNanos() / 1e6;
            case "jdk.Compilation" -> {
              RecordedMethod m = e.getValue("method");
              String name =
                  m.getType().getName()
                      + "."
                      + m.getName()
                      + " L"
                      + e.getValue("compileLevel")
                      + (e.getBoolean("isOsr") ? " osr" : "");
              double[] c = compiled.get(w.name()).computeIfAbsent(name, k -> new double[2]);
              c[0]++;
              c[1] += e.getDuration().toNanos() / 1e6;
            }
            case "jdk.ObjectAllocationSample" -> {
              String k = threadKind(threadName(e.getThread()));
              String key = k.equals("check") ? "check: " + work(e.getStackTrace()) : k;
              allocated.get(w.name()).merge(key, e.getLong("weight") / 1e6, Double::sum);
            }
            case "jdk.CPUTimeSample" -> {
              RecordedThread th = e.getThread("eventThread");
              if (threadKind(threadName(th)).equals("check")) {
                String wk = work(e.getStackTrace());
                samples.get(w.name()).merge(wk, 1, Integer::sum);
                if (wk.equals(HOSTILE)) {
                  hostile.add(new Object[] {th.getJavaThreadId(), nanos(t), w.name()});
                }
              }
            }
            default -> {}
          }
        }
      }
    }
    Map<String, int[]> pacedSplit = new HashMap<>();
    for (Object[] h : hostile) {
      TreeSet<Long> ends = pauseEnds.get((Long) h[0]);
      Long last = ends == null ? null : ends.floor((Long) h[1]);
      boolean paced = last != null && (Long) h[1] - last < 10_000_000L;
      pacedSplit.computeIfAbsent((String) h[2], k -> new int[2])[paced ? 0 : 1]++;
    }
    for (Window w : windows) {
      String n = w.name();
      double[] tot = totals.get(n);
      System.out.printf("== %s (%s .. %s)%n", n, w.from(), w.to());
      double java = 0;
      for (Map.Entry<String, Double> en : threadCpu.get(n).entrySet()) {
        System.out.printf("  %-10s %6.2f CPU-s%n", en.getKey(), en.getValue());
        java += en.getValue();
      }
      System.out.printf(
          "  JVM %.2f CPU-s, of which not Java threads (GC, VM) %.2f; GC pauses %.1f ms%n",
          tot[0], tot[0] - java, tot[1]);
      Map<String, double[]> comp = compiled.get(n);
      System.out.printf(
          "  compilations %d, %.0f ms%n",
          comp.values().stream().mapToInt(c -> (int) c[0]).sum(),
          comp.values().stream().mapToDouble(c -> c[1]).sum());
      comp.entrySet().stream()
          .sorted((x, y) -> Double.compare(y.getValue()[1], x.getValue()[1]))
          .limit(8)
          .forEach(en -> System.out.printf("    %7.1f ms %s%n", en.getValue()[1], en.getKey()));
      System.out.printf(
          "  pacer pauses %d (%.0f ms); waits for the slot %d (%.0f ms)%n",
          (int) tot[2], tot[3], (int) tot[4], tot[5]);
      int all = samples.get(n).values().stream().mapToInt(Integer::intValue).sum();
      double check = threadCpu.get(n).getOrDefault("check", 0.0);
      for (Map.Entry<String, Integer> en : samples.get(n).entrySet()) {
        System.out.printf(
            "  check threads: %-38s %5d samples %5.1f%% ~%5.2f CPU-s%n",
            en.getKey(), en.getValue(), 100.0 * en.getValue() / all, check * en.getValue() / all);
      }
      int[] ps = pacedSplit.getOrDefault(n, new int[2]);
      System.out.printf("  hostile rule samples: paced %d, unpaced %d%n", ps[0], ps[1]);
      for (Map.Entry<String, Double> en : allocated.get(n).entrySet()) {
        System.out.printf("  allocated %-46s %8.1f MB%n", en.getKey(), en.getValue());
      }
    }
  }
}
