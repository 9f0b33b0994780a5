package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The shipped phone tables against what dk.brics.automaton makes of libphonenumber's patterns now;
 * {@code PhonePlansTest} compares the tables' answers with the patterns'.
 */
class PhoneTablesTest {

  @Test
  void tables_areWhatTheGeneratorWritesFromLibphonenumber() {
    String committed = String.join("\n", Tables.lines("phone-tables.txt")) + "\n";
    assertThat(committed)
        .as("phone-tables.txt is stale: run PhoneTablesGenerator (see its Javadoc)")
        .isEqualTo(PhoneTablesGenerator.table());
  }
}
