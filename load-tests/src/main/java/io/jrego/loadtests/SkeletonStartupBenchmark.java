package io.jrego.loadtests;

import com.ibm.icu.text.SpoofChecker;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The start-up cost of UTS #39 skeletons: the first skeleton in a fresh JVM with ICU4J's {@code
 * SpoofChecker} beside jrego's table ({@code Confusables}, loaded from {@code confusables.txt}).
 * Each fork is a new JVM and measures one call, class loading and data initialisation included. The
 * table is reached by reflection (it is package-private), which counts against it.
 *
 * <p>Run: {@code java -jar load-tests/target/benchmarks.jar SkeletonStartupBenchmark}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(10)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class SkeletonStartupBenchmark {

  private static final String TEXT = "p\u0430ypal";

  @Benchmark
  public String icu4j() {
    return new SpoofChecker.Builder().build().getSkeleton(TEXT);
  }

  @Benchmark
  public Object jregoTable() throws ReflectiveOperationException {
    Class<?> c = Class.forName("io.jrego.engine.builtins.ai.Confusables");
    Method m = c.getDeclaredMethod("skeleton", String.class);
    m.setAccessible(true);
    return m.invoke(null, TEXT);
  }
}
