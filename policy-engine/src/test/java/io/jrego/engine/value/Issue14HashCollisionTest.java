package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14, finding 1: keys sharing a Java {@code hashCode} made objects and sets quadratic to
 * build. Hash tables stay linear as long as distinct keys get distinct hash codes, which these
 * tests check for the classes of keys a client can forge without knowing the process's hash key.
 */
class Issue14HashCollisionTest {

  /** {@code n} distinct strings with one {@code String.hashCode}: "Aa" and "BB" combined. */
  static List<String> javaCollidingStrings(int n) {
    int blocks = 32 - Integer.numberOfLeadingZeros(n - 1);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      for (int b = 0; b < blocks; b++) {
        sb.append(((i >> b) & 1) == 0 ? "Aa" : "BB");
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static int distinctHashes(Iterable<? extends Value> values) {
    Set<Integer> hashes = new HashSet<>();
    for (Value v : values) {
      hashes.add(v.hashCode());
    }
    return hashes.size();
  }

  @Test
  void issue14_stringsSharingAJavaHashCodeGetDistinctHashes() {
    List<String> keys = javaCollidingStrings(4096);
    assertThat(keys.stream().map(String::hashCode).distinct()).hasSize(1);
    List<StringValue> values = keys.stream().map(StringValue::of).toList();
    // 4096 random 32-bit hashes collide in a pair with probability ~0.002
    assertThat(distinctHashes(values)).isGreaterThanOrEqualTo(4090);
  }

  @Test
  void issue14_integersSharingALongHashCodeGetDistinctHashes() {
    List<NumberValue> values = new ArrayList<>();
    for (long hi = 1; hi <= 4096; hi++) {
      long lo = hi ^ 0x5a5a5a5aL; // Long.hashCode: (int) (v ^ v >>> 32) = 0x5a5a5a5a for each
      values.add(NumberValue.of(hi << 32 | lo));
    }
    assertThat(values.stream().map(v -> Long.hashCode(v.longValue())).distinct()).hasSize(1);
    assertThat(distinctHashes(values)).isGreaterThanOrEqualTo(4090);
  }

  @Test
  void issue14_objectsWithPermutedValuesGetDistinctHashes() {
    // With hash = sum over entries of (31 * key + value), every permutation of the values over
    // the same keys collides: 7! = 5040 objects with one hash.
    List<Value> objects = new ArrayList<>();
    permute(new int[] {0, 1, 2, 3, 4, 5, 6}, 0, objects);
    assertThat(objects).hasSize(5040);
    assertThat(distinctHashes(objects)).isGreaterThanOrEqualTo(5030);
  }

  private static void permute(int[] p, int i, List<Value> out) {
    if (i == p.length) {
      ObjectValue.Builder b = new ObjectValue.Builder();
      for (int k = 0; k < p.length; k++) {
        b.put("k" + k, StringValue.of("v" + p[k]));
      }
      out.add(b.build());
      return;
    }
    for (int j = i; j < p.length; j++) {
      swap(p, i, j);
      permute(p, i + 1, out);
      swap(p, i, j);
    }
  }

  private static void swap(int[] p, int i, int j) {
    int t = p[i];
    p[i] = p[j];
    p[j] = t;
  }

  @Test
  void issue14_objectsMappingAKeyToItselfGetDistinctHashes() {
    // With hash = sum of (key ^ value), {"x": "x"} hashes to 0 for every x.
    List<Value> objects = new ArrayList<>();
    for (String s : javaCollidingStrings(1024)) {
      objects.add(ObjectValue.of(StringValue.of(s), StringValue.of(s)));
    }
    assertThat(distinctHashes(objects)).isGreaterThanOrEqualTo(1020);
  }

  @Test
  void issue14_setsOfSwappedPairsGetDistinctHashes() {
    // With linear combinations, {[a, b], [c, d]} and {[a, d], [c, b]} have equal sums.
    List<Value> sets = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      Value a = NumberValue.of(4L * i);
      Value b = NumberValue.of(4L * i + 1);
      Value c = NumberValue.of(4L * i + 2);
      Value d = NumberValue.of(4L * i + 3);
      sets.add(SetValue.of(ArrayValue.of(a, b), ArrayValue.of(c, d)));
      sets.add(SetValue.of(ArrayValue.of(a, d), ArrayValue.of(c, b)));
    }
    assertThat(distinctHashes(sets)).isGreaterThanOrEqualTo(2040);
  }

  @Test
  void issue14_equalNumbersHashAlikeWhateverTheirForm() {
    List<List<NumberValue>> same =
        List.of(
            List.of(NumberValue.of(1), NumberValue.parse("1.0"), NumberValue.parse("1e0")),
            List.of(NumberValue.of(0), NumberValue.parse("0.00"), NumberValue.parse("-0")),
            List.of(
                NumberValue.of(1234567890123456789L), // 19 digits: parsed as a BigDecimal
                NumberValue.parse("1234567890123456789"),
                NumberValue.parse("1234567890123456789.000")),
            List.of(
                NumberValue.parse("123456789012345678901234567890"),
                NumberValue.parse("1.23456789012345678901234567890e29")),
            List.of(NumberValue.parse("0.25"), NumberValue.parse("2.5e-1")));
    for (List<NumberValue> group : same) {
      for (NumberValue n : group) {
        assertThat(n).as(n.toString()).isEqualTo(group.get(0));
        assertThat(n.hashCode()).as(n.toString()).isEqualTo(group.get(0).hashCode());
      }
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS) // expanding 10^100000000 would take minutes
  void issue14_aHugeExponentHashesWithoutExpandingIt() {
    NumberValue a = NumberValue.of(new BigDecimal("1e100000000"));
    NumberValue b = NumberValue.of(new BigDecimal("10e99999999"));
    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(Set.of(a, NumberValue.of(new BigDecimal("1e-100000000")))).hasSize(2);
    assertThat(a.toString()).isEqualTo("1e+100000000");
  }

  @Test
  void issue14_theSharedKeyCacheNeverMixesUpNamesThatCollide() {
    for (String k : javaCollidingStrings(64)) { // one cache slot for all of them
      assertThat(StringValue.ofKey(k).value()).isEqualTo(k);
      assertThat(StringValue.ofKey(k)).isEqualTo(StringValue.of(k));
    }
    assertThat(StringValue.ofKey("model")).isSameAs(StringValue.ofKey(new String("model")));
    String long65 = "k".repeat(65); // longer names are not cached
    assertThat(StringValue.ofKey(long65)).isNotSameAs(StringValue.ofKey(long65));
  }

  @Test
  void issue14_anObjectOfFortyThousandCollidingKeysKeepsEveryKey() {
    List<String> keys = javaCollidingStrings(40_000);
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (String k : keys) {
      b.put(k, NumberValue.ONE);
    }
    ObjectValue o = b.build();
    assertThat(o.size()).isEqualTo(40_000);
    assertThat(keys).allMatch(k -> o.get(k).isPresent());
  }
}
