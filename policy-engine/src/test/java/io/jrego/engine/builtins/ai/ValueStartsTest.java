package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValueStartsTest {

  private static final Set<PiiType> SECRETS = PiiType.resolve("secret").orElseThrow();

  @Test
  void everyFixedStart_isAStartOfItsType_wholeAndAtEveryLengthBeforeIt() {
    int starts = 0;
    for (PiiType t : SECRETS) {
      ValueStarts mine = ValueStarts.of(Set.of(t));
      ValueStarts none = ValueStarts.of(EnumSet.of(PiiType.EMAIL, PiiType.CARD));
      for (String s : Secrets.starts(t)) {
        for (int k = 1; k <= s.length(); k++) {
          String text = "the key (" + s.substring(0, k);
          assertThat(mine.startsAt(text, 9)).as("%s of %s", text, t).isTrue();
          assertThat(none.startsAt(text, 9)).as(text).isFalse();
        }
        assertThat(mine.startsAt("the key " + s + "ABC123", 8)).isTrue();
        starts++;
      }
    }
    // the prefix table's rows, and the JWT, private-key and webhook starts
    assertThat(starts).isGreaterThan(35);
    assertThat(Secrets.starts(PiiType.EMAIL)).isEmpty();
  }

  @Test
  void aStart_isTriedWhereTheScannerTriesIt() {
    ValueStarts s = ValueStarts.of(SECRETS);
    assertThat(s.startsAt("ask", 1)).as("inside a word").isFalse();
    assertThat(s.startsAt("a-sk", 2)).as("after a hyphen").isTrue();
    assertThat(s.startsAt("x\\nsk-", 3)).as("after an escaped newline").isTrue();
    assertThat(s.startsAt("key-----BEG", 3)).as("a start opening with a mark").isTrue();
    assertThat(s.startsAt("the Sky", 4)).as("case as the detector reads it").isFalse();
    assertThat(s.startsAt("sky", 0)).as("the text goes past the start").isFalse();
    assertThat(s.startsAt("sk", 2)).as("at the end").isFalse();
  }

  @Test
  void whatHasNoFixedStart_isSaidByKind() {
    ValueStarts secrets = ValueStarts.of(SECRETS);
    assertThat(secrets.assignments()).isTrue();
    assertThat(secrets.personal()).isFalse();
    assertThat(secrets.letters()).isFalse();
    ValueStarts email = ValueStarts.of(Set.of(PiiType.EMAIL));
    assertThat(email.personal()).isTrue();
    assertThat(email.letters()).isTrue();
    assertThat(email.startsAt("sk", 0)).isFalse();
    assertThat(ValueStarts.of(Set.of(PiiType.CARD)).letters()).isFalse();
    assertThat(ValueStarts.of(Set.of()).isEmpty()).isTrue();
  }
}
