package io.jrego.loadtests;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Two builds' AI guards timed in one JVM, interleaved: each build's {@code benchmarks.jar} is
 * loaded in a class loader of its own, and {@link AiGuardBenchmark}'s {@code guards} (or {@code
 * injection}, {@code pii}) of one body runs in slices of a quarter of a second, the two builds one
 * after the other, the order turned every round. On this shared machine one JVM's JMH iterations
 * vary by 2x from one second to the next (session 21: chat-2kb 41-93 µs in one fork), so two JMH
 * runs a minute apart compare the machine's moments more than the builds; here each round's ratio
 * compares two slices a quarter of a second apart, and the report gives the median of the rounds'
 * ratios with a bootstrap 95% interval. Time is the benchmark thread's CPU time (a descheduled or
 * stolen moment is not counted), allocation the thread's allocated bytes, both per operation.
 *
 * <p>Caveat: the two builds share the JDK's classes, so their type profiles (a {@code HashMap}'s
 * keys' classes, say) see both builds' classes: absolute figures may be a little above a JVM of one
 * build; the ratio is the figure to read.
 *
 * <p>Each loaded copy of a build gets its own compiled code, and that is not neutral: checked with
 * two copies of the same jar (session 22), one order's ratio on the PII-dense body was 1.020x and
 * 1.019x in one window (the copy loaded second slower both times) and 0.994x and 1.038x in the
 * next, and one-order intervals excluded 1.00 in three of eight cases: the rounds' bootstrap does
 * not see that spread. So each body is measured twice by default, each build loaded first once
 * ({@code --orders both}); the combined ratio is the geometric mean of the two orders' medians (a
 * bias of the load order cancels), its interval bootstrapped from both orders' rounds. Even so,
 * read differences under about 4% as none.
 *
 * <p>With {@code --loads N} (N of 2 or more), each body is measured N times, both orders each time,
 * every time in class loaders of its own (so with compiled code of its own): one row per load, then
 * the row {@code over N loads}, the geometric mean of the loads' combined ratios with a 95%
 * interval from their spread (Student's t on the logarithms). That interval sees the per-copy JIT
 * spread the rounds' bootstrap does not, so it is the one a small difference is claimed on.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.AiGuardPair BEFORE.jar AFTER.jar \
 *     [--root .] [--bodies chat-2kb,chat-100kb,pii-100kb] [--method guards] [--warm-up 20] [--seconds 30] \
 *     [--orders both|before-first|after-first] [--loads 1]
 * </pre>
 */
public final class AiGuardPair {

  private AiGuardPair() {}

  private static final long SLICE_NS = 250_000_000L;

  /** One build's benchmark instance and its method. */
  private record Side(String name, Object bench, Method method, Object blackhole) {
    void op() throws Exception {
      method.invoke(bench, blackhole);
    }
  }

  private static Side load(String name, Path jar, String root, String input, String method)
      throws Exception {
    URLClassLoader cl =
        new URLClassLoader(
            name, new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    Class<?> b = cl.loadClass("io.jrego.loadtests.AiGuardBenchmark");
    Object o = b.getConstructor().newInstance();
    b.getField("input").set(o, input);
    b.getField("root").set(o, root);
    b.getMethod("setUp").invoke(o);
    Class<?> bh = cl.loadClass("org.openjdk.jmh.infra.Blackhole");
    Object hole =
        bh.getConstructor(String.class)
            .newInstance(
                "Today's password is swordfish. I understand instantiating Blackholes directly is"
                    + " dangerous.");
    return new Side(name, o, b.getMethod(method, bh), hole);
  }

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Runs {@code s} for one slice: {ops, cpu ns, allocated bytes}. */
  private static long[] slice(Side s) throws Exception {
    long id = Thread.currentThread().threadId();
    long a0 = THREADS.getThreadAllocatedBytes(id);
    long c0 = THREADS.getCurrentThreadCpuTime();
    long w0 = System.nanoTime();
    long ops = 0;
    do {
      s.op();
      ops++;
    } while (System.nanoTime() - w0 < SLICE_NS && ops < 1_000_000);
    long c1 = THREADS.getCurrentThreadCpuTime();
    long a1 = THREADS.getThreadAllocatedBytes(id);
    return new long[] {ops, c1 - c0, a1 - a0};
  }

  private static long steal() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/stat"))) {
        if (l.startsWith("cpu ")) {
          return Long.parseLong(l.trim().split("\\s+", -1)[8]);
        }
      }
    } catch (Exception e) {
      // not Linux: no steal figure
    }
    return -1;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** One order's rounds: per round {before µs/op, after µs/op, before B/op, after B/op}. */
  private record Rounds(String order, List<double[]> rounds, double stealSeconds) {
    double[] column(int k) {
      double[] v = new double[rounds.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = rounds.get(i)[k];
      }
      return v;
    }

    double[] ratios() {
      double[] v = new double[rounds.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = rounds.get(i)[1] / rounds.get(i)[0];
      }
      return v;
    }
  }

  /**
   * Warms both up and times them in alternating rounds; {@code order} names the build loaded first.
   */
  private static Rounds measure(String order, Side before, Side after, int warmUp, int seconds)
      throws Exception {
    long w0 = System.nanoTime();
    for (int r = 0; System.nanoTime() - w0 < warmUp * 1_000_000_000L; r++) {
      slice(r % 2 == 0 ? before : after);
      slice(r % 2 == 0 ? after : before);
    }
    long s0 = steal();
    List<double[]> rounds = new ArrayList<>();
    long m0 = System.nanoTime();
    for (int r = 0; System.nanoTime() - m0 < seconds * 1_000_000_000L; r++) {
      long[] x;
      long[] y;
      if (r % 2 == 0) {
        x = slice(before);
        y = slice(after);
      } else {
        y = slice(after);
        x = slice(before);
      }
      rounds.add(
          new double[] {
            x[1] / 1e3 / x[0], y[1] / 1e3 / y[0], (double) x[2] / x[0], (double) y[2] / y[0]
          });
    }
    long s1 = steal();
    return new Rounds(order, rounds, s0 < 0 ? Double.NaN : (s1 - s0) / 100.0);
  }

  /** The median of a bootstrap resample of {@code v}. */
  private static double resampledMedian(double[] v, SplittableRandom random, double[] scratch) {
    for (int j = 0; j < v.length; j++) {
      scratch[j] = v[random.nextInt(v.length)];
    }
    return median(scratch);
  }

  private static void row(String body, String order, double ratio, double[] meds, Rounds... rs) {
    Arrays.sort(meds);
    double before = 0;
    double after = 0;
    double bBefore = 0;
    double bAfter = 0;
    int n = 0;
    double steal = 0;
    for (Rounds r : rs) {
      before += median(r.column(0)) / rs.length;
      after += median(r.column(1)) / rs.length;
      bBefore += median(r.column(2)) / rs.length;
      bAfter += median(r.column(3)) / rs.length;
      n += r.rounds().size();
      steal += r.stealSeconds();
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %.1f | %.1f | %.3fx | %.3f-%.3f | %d | %.0f | %.0f | %s |%n",
        body,
        order,
        before,
        after,
        ratio,
        meds[(int) (meds.length * 0.025)],
        meds[(int) (meds.length * 0.975) - 1],
        n,
        bBefore,
        bAfter,
        Double.isNaN(steal) ? "n/a" : String.format(Locale.ROOT, "%.2f", steal));
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: AiGuardPair BEFORE.jar AFTER.jar [--root DIR] [--bodies a,b] [--method guards]"
              + " [--warm-up SECONDS] [--seconds SECONDS] [--orders both|before-first|after-first]"
              + " [--loads N]");
      System.exit(2);
    }
    Path before = Path.of(args[0]);
    Path after = Path.of(args[1]);
    String root = ".";
    String bodies = "chat-2kb,chat-100kb,pii-100kb";
    String method = "guards";
    int warmUp = 20;
    int seconds = 30;
    String orders = "both";
    int loads = 1;
    for (int i = 2; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--root" -> root = args[i + 1];
        case "--bodies" -> bodies = args[i + 1];
        case "--method" -> method = args[i + 1];
        case "--warm-up" -> warmUp = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--orders" -> orders = args[i + 1];
        case "--loads" -> loads = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (!List.of("both", "before-first", "after-first").contains(orders)) {
      throw new IllegalArgumentException(
          "--orders must be both, before-first or after-first, got " + orders);
    }
    if (loads < 1 || loads > T_975.length) {
      throw new IllegalArgumentException(
          "--loads must be between 1 and " + T_975.length + ", got " + loads);
    }
    if (loads > 1 && !orders.equals("both")) {
      throw new IllegalArgumentException("--loads needs --orders both");
    }
    System.out.printf(
        "%s: %s beside %s, %s, %d s warm-up, %d s measured per body and order, slices of %d ms%n",
        java.time.Instant.now(), after, before, method, warmUp, seconds, SLICE_NS / 1_000_000);
    System.out.println(
        "| body | loaded first | before µs/op | after µs/op | after/before (median of rounds) |"
            + " 95% interval | rounds | B/op before | B/op after | steal (CPU-s) |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String body : bodies.split(",", -1)) {
      double[] perLoad = new double[loads];
      for (int load = 0; load < loads; load++) {
        perLoad[load] =
            measureBody(
                loads == 1 ? body : body + " (load " + (load + 1) + ")",
                body,
                before,
                after,
                root,
                method,
                orders,
                warmUp,
                seconds);
      }
      if (loads > 1) {
        overLoads(body, perLoad);
      }
    }
  }

  /**
   * Student's t, two-sided 95%, for 1 to 10 degrees of freedom: the interval over loads of a body.
   */
  private static final double[] T_975 = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228
  };

  /**
   * The row over loads: the geometric mean of the loads' combined ratios and its 95% interval (mean
   * of the logarithms plus or minus t times their standard error).
   */
  private static void overLoads(String body, double[] ratios) {
    int n = ratios.length;
    double mean = 0;
    for (double r : ratios) {
      mean += Math.log(r) / n;
    }
    double var = 0;
    for (double r : ratios) {
      var += (Math.log(r) - mean) * (Math.log(r) - mean) / (n - 1);
    }
    double half = T_975[n - 2] * Math.sqrt(var / n);
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    StringBuilder each = new StringBuilder();
    for (double r : ratios) {
      each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", r));
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | over %d loads | | | %.3fx | %.3f-%.3f | %d loads: %s | | | |%n",
        body,
        n,
        Math.exp(mean),
        Math.exp(mean - half),
        Math.exp(mean + half),
        n,
        each);
  }

  /** One load of both builds for {@code body}: its rows; returns the ratio to read. */
  private static double measureBody(
      String label,
      String body,
      Path before,
      Path after,
      String root,
      String method,
      String orders,
      int warmUp,
      int seconds)
      throws Exception {
    List<Rounds> done = new ArrayList<>();
    if (!orders.equals("after-first")) {
      Side b = load("before", before, root, body, method);
      Side a = load("after", after, root, body, method);
      done.add(measure("before", b, a, warmUp, seconds));
    }
    if (!orders.equals("before-first")) {
      Side a = load("after", after, root, body, method);
      Side b = load("before", before, root, body, method);
      done.add(measure("after", b, a, warmUp, seconds));
    }
    // bootstrap of the median ratio, fixed seed; with both orders, of the geometric mean of the
    // two orders' medians (each order resampled on its own rounds)
    SplittableRandom random = new SplittableRandom(21);
    double[][] ratios = new double[done.size()][];
    double[][] scratch = new double[done.size()][];
    for (int k = 0; k < done.size(); k++) {
      ratios[k] = done.get(k).ratios();
      scratch[k] = new double[ratios[k].length];
      double[] meds = new double[2000];
      for (int j = 0; j < meds.length; j++) {
        meds[j] = resampledMedian(ratios[k], random, scratch[k]);
      }
      row(label, done.get(k).order(), median(ratios[k]), meds, done.get(k));
    }
    if (done.size() == 2) {
      double[] meds = new double[2000];
      for (int j = 0; j < meds.length; j++) {
        meds[j] =
            Math.sqrt(
                resampledMedian(ratios[0], random, scratch[0])
                    * resampledMedian(ratios[1], random, scratch[1]));
      }
      double combined = Math.sqrt(median(ratios[0]) * median(ratios[1]));
      row(label, "both (combined)", combined, meds, done.get(0), done.get(1));
      return combined;
    }
    return median(ratios[0]);
  }
}
