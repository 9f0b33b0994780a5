package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

/**
 * What the request-parser fuzz tests ({@link JsonBodyFuzzTest}, {@link FormBodyFuzzTest}, {@link
 * MultipartBodyFuzzTest}, {@link PathAndQueryFuzzTest}) check, each parser driven through {@link
 * InputMapper} as a check drives it: the input document is built, or the request is refused with
 * {@link Reason#REQUEST_PARSE_ERROR} and a message (the 400 OPA-Envoy answers); nothing else is
 * thrown; each input is done within {@link #BOUND} of CPU time (hash-collision keys, deep nesting
 * and huge numbers included).
 */
final class RequestFuzzing {

  /** Far above what any input of the fuzzer's size takes; a quadratic blow-up passes it. */
  static final Duration BOUND = Duration.ofSeconds(5);

  /**
   * Times an input on the CPU time of the thread that runs it (all of the work runs on it), which a
   * loaded machine does not stretch as it does the wall clock.
   */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static final InputMapper MAPPER = new InputMapper(InputMapper.Options.defaults());

  private RequestFuzzing() {}

  /** Maps a POST of {@code body} to {@code path} with {@code contentType}, checking the above. */
  static void check(String path, String contentType, byte[] body) {
    CheckRequest request =
        TestRequests.post(path).header("content-type", contentType).rawBody(body).build();
    long start = THREADS.getCurrentThreadCpuTime();
    try {
      ObjectValue input = MAPPER.map(request);
      assertThat(input.get("parsed_path")).isPresent();
    } catch (CheckException e) {
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.REQUEST_PARSE_ERROR);
      assertThat(e.getMessage()).isNotBlank();
    }
    assertThat(Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - start)).isLessThan(BOUND);
  }
}
