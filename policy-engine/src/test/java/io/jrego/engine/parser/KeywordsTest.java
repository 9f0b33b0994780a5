package io.jrego.engine.parser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class KeywordsTest {

  @Test
  void futureKeywordsAreKeywordsOnlyWhereInForce() {
    assertThat(Keywords.isKeyword("in", Set.of())).isFalse();
    assertThat(Keywords.isKeyword("in", Set.of("in"))).isTrue();
    assertThat(Keywords.isKeyword("if", Set.of("in"))).isFalse();
    assertThat(Keywords.isKeyword("not", Set.of())).isTrue();
    assertThat(Keywords.isKeyword("data", Keywords.FUTURE)).isFalse();
  }

  @Test
  void literalsAreReservedInReferencesButNoKeywordsOfTheGrammar() {
    assertThat(Keywords.RESERVED).containsAll(Keywords.GRAMMAR).contains("null", "true", "false");
    assertThat(Keywords.GRAMMAR).doesNotContain("null", "true", "false");
    assertThat(Keywords.GRAMMAR).containsAll(Keywords.FUTURE);
  }
}
