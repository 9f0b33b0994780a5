package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Json#parse(byte[], java.util.function.BooleanSupplier)}, the bundle loader's entry (data
 * parsed from its bytes, the load's memory meter asked between values): it reads what {@link
 * Json#parse(byte[])}, a check's entry, reads, refuses what it refuses with the same message, and
 * asks {@code stop} often enough that a caller can end a document part way.
 */
class JsonStopTest {

  private static final List<String> DOCUMENTS =
      List.of(
          "{}",
          "[]",
          "0",
          "\"x\"",
          "null",
          "true",
          "{\"a\": [1, -2, 2.50, 1e2, 1E-7, 12345678901234567890123, 0.1000000000000000000001]}",
          "{\"s\": \"caf\\u00e9 \\ud83d\\ude00 \\ud800 lone\", \"\\udc00k\": false, \"e\": \"\"}",
          "[[[[[]]]], {\"x\": {\"y\": {\"z\": [null, true, false]}}}]",
          "{\"dup\": 1, \"dup\": 2}",
          "  {\"ws\" :\n [ 1 ,\t2 ] }  ",
          "\ufeff[1]"); // a UTF-8 byte-order mark, skipped

  private static final List<String> REFUSED =
      List.of(
          "",
          "   ",
          "{",
          "[1, 2",
          "{\"a\": 1} {}",
          "[1] x",
          "{\"a\" 1}",
          "[01]",
          "[1e100000000]",
          "[" + "9".repeat(1_001) + "]",
          "[" + "1." + "5".repeat(1_000) + "]",
          "[".repeat(1_001) + "]".repeat(1_001),
          "\u0000\u0000\u0000[");

  @Test
  void readsWhatTheChecksEntryReads() {
    for (String doc : DOCUMENTS) {
      byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
      assertThat(Json.parse(bytes, () -> false)).as(doc).isEqualTo(Json.parse(bytes));
    }
  }

  @Test
  void readsWhatTheChecksEntryReads_randomDocuments() {
    Random random = new Random(18);
    for (int i = 0; i < 2_000; i++) {
      byte[] bytes = Json.write(randomValue(random, 0)).getBytes(StandardCharsets.UTF_8);
      Value expected = Json.parse(bytes);
      assertThat(Json.parse(bytes, () -> false)).isEqualTo(expected);
      // written again, the value reads the same: nothing lost or added
      assertThat(Json.write(Json.parse(bytes, () -> false))).isEqualTo(Json.write(expected));
    }
  }

  @Test
  void refusesWhatTheChecksEntryRefuses_withTheSameMessage() {
    for (String doc : REFUSED) {
      byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
      String expected = refusal(() -> Json.parse(bytes));
      assertThat(expected).as(doc).isNotBlank();
      assertThat(refusal(() -> Json.parse(bytes, () -> false))).as(doc).isEqualTo(expected);
    }
  }

  @Test
  void asksStopAsValuesAreRead_andEndsWhenItSaysSo() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < 10_000; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"a\":").append(i).append('}');
    }
    byte[] bytes = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);

    AtomicInteger asked = new AtomicInteger();
    Value all = Json.parse(bytes, () -> asked.incrementAndGet() < 0);
    assertThat(((ArrayValue) all).size()).isEqualTo(10_000);
    // 20,001 values (the array, 10,000 objects and their numbers): asked once per 256
    assertThat(asked.get()).isEqualTo(20_001 / Json.VALUES_PER_STOP);

    AtomicInteger untilStopped = new AtomicInteger();
    assertThatThrownBy(() -> Json.parse(bytes, () -> untilStopped.incrementAndGet() == 3))
        .isInstanceOf(Json.Stopped.class);
    assertThat(untilStopped.get()).isEqualTo(3);
  }

  @Test
  void asksStopBeforeALongStringIsMade() {
    byte[] bytes =
        ("[\"" + "x".repeat(1 << 20) + "\"]").getBytes(StandardCharsets.UTF_8); // 1 MiB string
    AtomicInteger asked = new AtomicInteger();
    assertThatThrownBy(() -> Json.parse(bytes, () -> asked.incrementAndGet() > 0))
        .isInstanceOf(Json.Stopped.class);
    assertThat(asked.get()).isEqualTo(1);
  }

  @Test
  void smallDocumentsAreReadWithoutAsking() {
    AtomicInteger asked = new AtomicInteger();
    Json.parse(
        "{\"a\": [1, 2, 3]}".getBytes(StandardCharsets.UTF_8), () -> asked.incrementAndGet() > 0);
    assertThat(asked.get()).isZero();
  }

  private static String refusal(Runnable parse) {
    try {
      parse.run();
    } catch (Json.JsonException e) {
      return e.getMessage();
    }
    return null;
  }

  private static Value randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 4 ? 6 : 8);
    return switch (kind) {
      case 0 -> NullValue.INSTANCE;
      case 1 -> BooleanValue.of(random.nextBoolean());
      case 2 -> NumberValue.of(random.nextLong() >> random.nextInt(64));
      case 3 ->
          Json.parse(
              random.nextInt(1_000_000)
                  + "."
                  + random.nextInt(1_000)
                  + "e"
                  + random.nextInt(-20, 20));
      case 4 -> StringValue.of(randomText(random));
      case 5 -> Json.parse("123456789012345678901234567890" + random.nextInt(1_000_000));
      case 6 -> {
        List<Value> items = new ArrayList<>();
        for (int i = random.nextInt(6); i > 0; i--) {
          items.add(randomValue(random, depth + 1));
        }
        ArrayValue.Builder b = new ArrayValue.Builder();
        items.forEach(b::add);
        yield b.build();
      }
      default -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        for (int i = random.nextInt(6); i > 0; i--) {
          b.put(StringValue.ofKey(randomText(random)), randomValue(random, depth + 1));
        }
        yield b.build();
      }
    };
  }

  private static String randomText(Random random) {
    StringBuilder sb = new StringBuilder();
    for (int i = random.nextInt(random.nextInt(4) == 0 ? 300 : 12); i > 0; i--) {
      int c =
          switch (random.nextInt(4)) {
            case 0 -> random.nextInt(0x20, 0x7f);
            case 1 -> random.nextInt(0, 0x20);
            case 2 -> random.nextInt(0xa0, 0x3000);
            default -> 0x1f600 + random.nextInt(50);
          };
      sb.appendCodePoint(c);
    }
    return sb.toString();
  }
}
