package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BodyEditorTest {

  private final Redactions redactions = new Redactions();

  private String apply(String json, String edits) throws BodyException {
    return BodyEditor.apply(json, BodyEdits.parse(Json.parse(edits), "body_edits"), redactions)
        .text();
  }

  @Test
  void replace_rewritesOnlyTheValueAtThePointer() throws Exception {
    String body = "{ \"b\" : 1.50,\n  \"a\": {\"x\": [1, 2, 3]}, \"c\": \"keep\" }";
    String out = apply(body, "[{\"op\":\"replace\",\"path\":\"/a/x/1\",\"value\":{\"k\":\"v\"}}]");
    assertThat(out)
        .isEqualTo("{ \"b\" : 1.50,\n  \"a\": {\"x\": [1, {\"k\":\"v\"}, 3]}, \"c\": \"keep\" }");
  }

  @Test
  void replace_atTheRootReplacesTheWholeBody() throws Exception {
    assertThat(apply("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[true]}]"))
        .isEqualTo("[true]");
  }

  @Test
  void pointer_unescapesTildeAndSlash() throws Exception {
    String body = "{\"a/b\":{\"m~n\":1}}";
    assertThat(apply(body, "[{\"op\":\"replace\",\"path\":\"/a~1b/m~0n\",\"value\":2}]"))
        .isEqualTo("{\"a/b\":{\"m~n\":2}}");
    assertThatThrownBy(() -> JsonPointer.parse("/a~2")).hasMessageContaining("'~'");
    assertThatThrownBy(() -> JsonPointer.parse("a")).hasMessageContaining("must start with '/'");
  }

  @Test
  void pointer_matchesKeysWrittenWithEscapes() throws Exception {
    String body = "{\"m\\u0065ssages\":[\"x\"]}";
    assertThat(apply(body, "[{\"op\":\"replace\",\"path\":\"/messages/0\",\"value\":\"y\"}]"))
        .isEqualTo("{\"m\\u0065ssages\":[\"y\"]}");
  }

  @Test
  void missingPath_isSkipped() throws Exception {
    String body = "{\"messages\":[{\"content\":\"hi\"}]}";
    assertThat(apply(body, "[{\"op\":\"replace\",\"path\":\"/messages/5/content\",\"value\":1}]"))
        .isEqualTo(body);
    assertThat(apply(body, "[{\"op\":\"replace\",\"path\":\"/messages/01\",\"value\":1}]"))
        .isEqualTo(body);
  }

  @Test
  void duplicateKeyOnThePath_isAnError() {
    String body = "{\"messages\":[{\"content\":\"a\"}],\"messages\":[{\"content\":\"b\"}]}";
    assertThatThrownBy(
            () -> apply(body, "[{\"op\":\"pii\",\"path\":\"/messages\",\"action\":\"redact\"}]"))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("key \"messages\" twice");
  }

  @Test
  void severalEdits_giveWhatApplyingThemOneAfterTheOtherGives() throws Exception {
    String body =
        "{\"model\":\"m\",\"messages\":[{\"content\":\"mail ann@example.com\"},"
            + "{\"content\":\"and bob@example.org\"},{\"content\":\"x\"}]}";
    // disjoint places (one batch), a place inside one already replaced, a place a replace
    // creates, and paths after a removal (followed in the text the removal left)
    String edits =
        "[{\"op\":\"pii\",\"path\":\"/messages/1/content\",\"action\":\"redact\"},"
            + "{\"op\":\"pii\",\"path\":\"/messages/0/content\",\"action\":\"redact\"},"
            + "{\"op\":\"replace\",\"path\":\"/model\",\"value\":{\"id\":\"n\"}},"
            + "{\"op\":\"replace\",\"path\":\"/model/id\",\"value\":\"o\"},"
            + "{\"op\":\"replace\",\"path\":\"/model/new\",\"value\":1},"
            + "{\"op\":\"remove\",\"path\":\"/messages/0\"},"
            + "{\"op\":\"replace\",\"path\":\"/messages/1/content\",\"value\":\"y\"}]";
    assertThat(apply(body, edits))
        .isEqualTo(
            "{\"model\":{\"id\":\"o\"},\"messages\":[{\"content\":\"and <EMAIL_1>\"},"
                + "{\"content\":\"y\"}]}");
  }

  @Test
  void remove_takesOneCommaWithTheEntry() throws Exception {
    assertThat(apply("{\"a\":1, \"b\":2, \"c\":3}", "[{\"op\":\"remove\",\"path\":\"/b\"}]"))
        .isEqualTo("{\"a\":1, \"c\":3}");
    assertThat(apply("{\"a\":1, \"b\":2}", "[{\"op\":\"remove\",\"path\":\"/b\"}]"))
        .isEqualTo("{\"a\":1}");
    assertThat(apply("[1]", "[{\"op\":\"remove\",\"path\":\"/0\"}]")).isEqualTo("[]");
    assertThat(Json.parse(apply("[1,2,3]", "[{\"op\":\"remove\",\"path\":\"/0\"}]")))
        .isEqualTo(Json.parse("[2,3]"));
  }

  @Test
  void redactSpans_countCodePointsAsJregoPiiScanReportsThem() throws Exception {
    // "𝔸" is one code point, two UTF-16 units; the span 2..7 covers "b@c.d" after it and "é"
    String body = "{\"t\":\"é𝔸b@c.d ok\"}";
    String out =
        apply(
            body,
            "[{\"op\":\"redact\",\"path\":\"/t\",\"spans\":[{\"start\":2,\"end\":7,\"type\":\"email\"}]}]");
    assertThat(out).isEqualTo("{\"t\":\"é𝔸<EMAIL_1> ok\"}");
    assertThat(redactions.restore("write to <EMAIL_1>")).isEqualTo("write to <EMAIL_1>");
    redactions.requestPhaseDone();
    assertThat(redactions.restore("write to <EMAIL_1>")).isEqualTo("write to b@c.d");
  }

  @Test
  void redactSpans_withAFixedReplacement_andOutsideTheStringIsAnError() throws Exception {
    String edit =
        "[{\"op\":\"redact\",\"path\":\"/t\",\"spans\":[{\"start\":0,\"end\":3,\"replacement\":\"***\"}]}]";
    assertThat(apply("{\"t\":\"abcdef\"}", edit)).isEqualTo("{\"t\":\"***def\"}");
    assertThatThrownBy(() -> apply("{\"t\":\"ab\"}", edit))
        .hasMessageContaining("lies outside the string of 2 code points");
    assertThatThrownBy(() -> apply("{\"t\":5}", edit)).hasMessageContaining("found number");
  }

  @Test
  void pii_redactsEveryStringUnderThePath_samePlaceholderForTheSameValue() throws Exception {
    String body =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"mail bob@example.com\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"again bob@example.com,"
            + " card 4111 1111 1111 1111\"}]}]}";
    String out = apply(body, "[{\"op\":\"pii\",\"path\":\"/messages\",\"action\":\"redact\"}]");
    assertThat(out)
        .isEqualTo(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"mail <EMAIL_1>\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"again <EMAIL_1>,"
                + " card <CARD_1>\"}]}]}");
    assertThat(redactions.typeCounts()).containsEntry("email", 2).containsEntry("card", 1);
  }

  @Test
  void pii_block_reportsTypesAndChangesNothing() throws Exception {
    String body = "{\"a\":\"key AKIAIOSFODNN7EXAMPLE\",\"b\":\"bob@example.com\"}";
    BodyEditor.Result r =
        BodyEditor.apply(
            body,
            BodyEdits.parse(
                Json.parse(
                    "[{\"op\":\"pii\",\"path\":\"\",\"action\":\"redact\",\"types\":[\"email\"]},"
                        + "{\"op\":\"pii\",\"path\":\"\",\"action\":\"block\",\"types\":[\"secret\"]}]"),
                "body_edits"),
            redactions);
    assertThat(r.isBlocked()).isTrue();
    assertThat(r.blocked()).containsExactly(PiiType.AWS_ACCESS_KEY);
    assertThat(r.text()).isEqualTo(body);
    assertThat(r.changed()).isFalse();
  }

  @Test
  void pii_maskAndTypeModes() throws Exception {
    String body = "{\"a\":\"bob@example.com and +44 20 7946 0958\"}";
    assertThat(
            apply(
                body, "[{\"op\":\"pii\",\"path\":\"/a\",\"action\":\"redact\",\"mode\":\"type\"}]"))
        .isEqualTo("{\"a\":\"<EMAIL> and <PHONE>\"}");
    assertThat(
            apply(
                body,
                "[{\"op\":\"pii\",\"path\":\"/a\",\"action\":\"redact\",\"mode\":\"mask\",\"mask\":\"#\"}]"))
        .isEqualTo("{\"a\":\"# and #\"}");
  }

  @Test
  void pii_placeholderAlreadyInTheTextIsNotHandedOut() throws Exception {
    String body = "{\"a\":\"I typed <EMAIL_1> myself; mine is bob@example.com\"}";
    assertThat(apply(body, "[{\"op\":\"pii\",\"path\":\"/a\",\"action\":\"redact\"}]"))
        .isEqualTo("{\"a\":\"I typed <EMAIL_1> myself; mine is <EMAIL_2>\"}");
  }

  @Test
  void keep_filtersArrayElementsByAField() throws Exception {
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"a\",\"x\":1},"
            + " {\"name\":\"b\"}, {\"name\":\"c\"}, 7]}}";
    String out =
        apply(
            body,
            "[{\"op\":\"keep\",\"path\":\"/result/tools\",\"field\":\"name\",\"values\":[\"a\",\"c\"]}]");
    assertThat(out)
        .isEqualTo(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"a\",\"x\":1},{\"name\":\"c\"}]}}");
    assertThatThrownBy(
            () ->
                apply(
                    "{\"result\":{\"tools\":{}}}",
                    "[{\"op\":\"keep\",\"path\":\"/result/tools\",\"field\":\"name\",\"values\":[]}]"))
        .hasMessageContaining("keep needs an array, found object");
  }

  @Test
  void restore_putsBackOnlyTheRequestPhasesPlaceholders() throws Exception {
    apply("{\"a\":\"bob@example.com\"}", "[{\"op\":\"pii\",\"path\":\"\",\"action\":\"redact\"}]");
    redactions.requestPhaseDone();
    // a later placeholder (for something the model made up) is not restorable
    String answer =
        apply(
            "{\"m\":\"Hi <EMAIL_1>, also carol@example.org\"}",
            "[{\"op\":\"pii\",\"path\":\"/m\",\"action\":\"redact\"},{\"op\":\"restore\",\"path\":\"/m\"}]");
    assertThat(answer).isEqualTo("{\"m\":\"Hi bob@example.com, also <EMAIL_2>\"}");
  }

  @Test
  void encoding_escapesQuotesAndControls_readsALoneSurrogateAsU_FFFD_keepsOtherText()
      throws Exception {
    // the decision's escaped lone surrogate is read as U+FFFD, as Go's decoder (OPA's) reads it
    String out =
        apply(
            "{\"a\":\"x\"}",
            "[{\"op\":\"redact\",\"path\":\"/a\",\"spans\":[{\"start\":0,\"end\":1,\"replacement\":\"\\\"\\\\\\n\\u0001é<>\\ud800\"}]}]");
    assertThat(out).isEqualTo("{\"a\":\"\\\"\\\\\\n\\u0001é<>\uFFFD\"}");
    Value parsed = Json.parse(out);
    assertThat(parsed).isNotNull();
    // the output is valid UTF-8 whose length is what content-length must say
    assertThat(new String(out.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(out);
  }

  @Test
  void badEdits_areNamed() {
    assertThatThrownBy(() -> apply("{}", "[{\"op\":\"move\",\"path\":\"/a\"}]"))
        .hasMessage(
            "body_edits[0]: unknown op \"move\" (known: replace, remove, redact, pii, keep, restore)");
    assertThatThrownBy(() -> apply("{}", "[{\"op\":\"pii\",\"path\":\"/a\",\"action\":\"zap\"}]"))
        .hasMessageContaining("body_edits[0]: action must be redact, block or log");
    assertThatThrownBy(
            () ->
                apply(
                    "{}",
                    "[{\"op\":\"pii\",\"path\":\"/a\",\"action\":\"redact\",\"types\":[\"mail\"]}]"))
        .hasMessageContaining("body_edits[0].types: unknown type or group \"mail\"");
    assertThatThrownBy(() -> apply("{}", "{\"op\":\"remove\"}"))
        .hasMessageContaining("body_edits must be an array");
    assertThatThrownBy(
            () ->
                apply(
                    "{}",
                    "[{\"op\":\"redact\",\"path\":\"/a\",\"spans\":[{\"start\":0,\"end\":3,\"replacement\":\"x\"},{\"start\":2,\"end\":4,\"replacement\":\"y\"}]}]"))
        .hasMessageContaining("spans overlap");
  }

  @Test
  void nothingToDo_leavesTheTextUnchanged() throws Exception {
    BodyEditor.Result r =
        BodyEditor.apply(
            "{\"a\":\"no data here\"}",
            BodyEdits.parse(
                Json.parse("[{\"op\":\"pii\",\"path\":\"\",\"action\":\"redact\"}]"), "e"),
            redactions);
    assertThat(r.changed()).isFalse();
    assertThat(List.of(r.text())).containsExactly("{\"a\":\"no data here\"}");
  }
}
