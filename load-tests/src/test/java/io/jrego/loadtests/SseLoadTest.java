package io.jrego.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SseLoadTest {

  @Test
  void place_givesEveryTargetOncePerRound() {
    for (int n = 1; n <= 5; n++) {
      for (int round = 0; round < 4 * n; round++) {
        Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < n; k++) {
          seen.add(SseLoad.place(round, k, n));
        }
        assertThat(seen).as("round %d of %d targets", round, n).hasSize(n);
      }
    }
  }

  @Test
  void place_startsWithTheGivenOrder() {
    for (int k = 0; k < 4; k++) {
      assertThat(SseLoad.place(0, k, 4)).isEqualTo(k);
    }
  }

  @Test
  void place_putsEachTargetAtEveryPlaceInEachBlockOfRounds() {
    for (int n = 1; n <= 5; n++) {
      for (int block = 0; block < 30; block++) {
        int[][] atPlace = new int[n][n];
        for (int round = block * n; round < (block + 1) * n; round++) {
          for (int k = 0; k < n; k++) {
            atPlace[SseLoad.place(round, k, n)][k]++;
          }
        }
        for (int[] places : atPlace) {
          assertThat(places).containsOnly(1);
        }
      }
    }
  }

  @Test
  void place_putsEachTargetRightAfterEveryOtherAndAtEveryPlaceOfARound() {
    // rotated only, as before, three targets a, b, c: b always came right after a within a round
    for (int n = 2; n <= 5; n++) {
      int orders = 1;
      for (int i = 2; i <= n; i++) {
        orders *= i;
      }
      int[][] atPlace = new int[n][n];
      boolean[][] after = new boolean[n][n];
      for (int round = 0; round < n * orders; round++) {
        for (int k = 0; k < n; k++) {
          int target = SseLoad.place(round, k, n);
          atPlace[target][k]++;
          if (k > 0) {
            after[target][SseLoad.place(round, k - 1, n)] = true;
          }
        }
      }
      for (int t = 0; t < n; t++) {
        for (int k = 0; k < n; k++) {
          assertThat(atPlace[t][k]).as("target %d at place %d of %d", t, k, n).isEqualTo(orders);
        }
        for (int u = 0; u < n; u++) {
          assertThat(after[t][u] || t == u)
              .as("target %d right after target %d within a round (%d targets)", t, u, n)
              .isTrue();
        }
      }
    }
  }

  @Test
  void firstText_skipsTheRoleChunksEmptyContentAndFindsTheFirstTextSplitAcrossReads() {
    byte[] stream =
        """
        data: {"choices":[{"delta":{"role":"assistant","content":""}}]}

        data: {"choices":[{"delta":{"content":" the quick"}}]}

        """
            .getBytes(StandardCharsets.UTF_8);
    int text = new String(stream, StandardCharsets.UTF_8).indexOf("\" the quick") + 1;
    for (int cut = 1; cut < stream.length; cut++) {
      SseLoad.FirstText t = new SseLoad.FirstText();
      boolean inFirst = t.found(stream, cut);
      byte[] rest = java.util.Arrays.copyOfRange(stream, cut, stream.length);
      assertThat(inFirst).as("cut at %d", cut).isEqualTo(cut > text);
      assertThat(inFirst || t.found(rest, rest.length)).as("cut at %d", cut).isTrue();
    }
  }

  @Test
  void firstText_findsNothingInAStreamWithoutText() {
    byte[] stream =
        "data: {\"choices\":[{\"delta\":{\"content\":\"\"}}]}\n\ndata: [DONE]\n\n"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(new SseLoad.FirstText().found(stream, stream.length)).isFalse();
  }

  @Test
  void pace_readsTheHeaderWithinItsBounds() {
    assertThat(ChatUpstream.pace(null)).isZero();
    assertThat(ChatUpstream.pace(" 40 ")).isEqualTo(40);
    assertThatThrownBy(() -> ChatUpstream.pace("-1")).hasMessageContaining("0..1000");
    assertThatThrownBy(() -> ChatUpstream.pace("1001")).hasMessageContaining("0..1000");
    assertThatThrownBy(() -> ChatUpstream.pace("fast")).isInstanceOf(NumberFormatException.class);
  }
}
