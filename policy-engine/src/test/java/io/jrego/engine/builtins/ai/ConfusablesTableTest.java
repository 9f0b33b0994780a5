package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.ibm.icu.text.SpoofChecker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped confusables table against ICU4J, the reference implementation of UTS #39. */
class ConfusablesTableTest {

  @Test
  void table_isWhatTheGeneratorWritesFromIcu() throws IOException {
    String committed;
    try (InputStream in = Confusables.class.getResourceAsStream("confusables.txt")) {
      assertThat(in).isNotNull();
      committed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(committed)
        .as("confusables.txt is stale: run ConfusablesTableGenerator (see its Javadoc)")
        .isEqualTo(ConfusablesTableGenerator.table());
  }

  @Test
  void skeleton_equalsIcuForEveryAssignedCodePoint() {
    SpoofChecker icu = new SpoofChecker.Builder().build();
    List<String> differ = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      int type = Character.getType(cp);
      if (type == Character.UNASSIGNED || type == Character.SURROGATE) {
        continue;
      }
      String x = Character.toString(cp);
      if (!Confusables.skeleton(x).equals(icu.getSkeleton(x))) {
        differ.add(String.format("U+%04X", cp));
      }
    }
    assertThat(differ).isEmpty();
  }

  @Test
  void skeleton_ofMixedScriptWordIsLatin() {
    // Cyrillic а, о and е among Latin letters.
    assertThat(Confusables.skeleton("p\u0430ypal")).isEqualTo(Confusables.skeleton("paypal"));
    assertThat(Confusables.skeleton("ign\u043Er\u0435")).isEqualTo(Confusables.skeleton("ignore"));
  }
}
