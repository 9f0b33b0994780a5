package io.jrego.server.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultMaskTest {

  /** An OPA-Envoy input for a chat call, as InputMapper makes it. */
  static final String CHAT =
      """
      {"attributes": {
         "source": {"address": {"socketAddress": {"address": "10.0.0.7", "portValue": 5555}},
                    "principal": "spiffe://cluster.local/ns/edge/sa/api-gateway"},
         "request": {"http": {
           "method": "POST", "path": "/v1/chat/completions",
           "headers": {"authorization": "Bearer sk-live-abc", "x-request-id": "r-1",
                       "x-contact": "reach me at jane.doe@example.com"},
           "body": "{\\"model\\":\\"gpt-4o\\",\\"messages\\":[]}"}}},
       "parsed_body": {"model": "gpt-4o",
         "messages": [
           {"role": "system", "content": "You are helpful"},
           {"role": "user", "content": [{"type": "text", "text": "my card is 4111 1111 1111 1111"}]}],
         "metadata": {"note": "call +44 20 7946 0958 or mail jane.doe@example.com"}},
       "user": "alice"}
      """;

  static final String DENY_WITH_REASON =
      """
      package envoy.authz

      allow := {"allowed": false, "body": concat(" ", ["blocked for", input.parsed_body.metadata.note])}
      """;

  @Test
  void promptsCredentialsAndPiiAreMaskedByDefault() throws Exception {
    PreparedPolicy p = Events.policy(DENY_WITH_REASON);
    ObjectValue e = only(new Events.Console(true).log(Events.event(p, CHAT)));
    String input = Json.write(e.get("input").orElseThrow());
    String result = Json.write(e.get("result").orElseThrow());
    assertThat(input)
        .doesNotContain("You are helpful", "4111", "sk-live-abc", "jane.doe", "7946")
        .contains(
            "\"content\":\"[REDACTED]\"",
            "\"authorization\":\"[REDACTED]\"",
            "reach me at <EMAIL>",
            "\"x-request-id\":\"r-1\"",
            "\"model\":\"gpt-4o\"",
            "\"address\":\"10.0.0.7\"",
            "spiffe://cluster.local/ns/edge/sa/api-gateway");
    assertThat(input).doesNotContain("\"body\":");
    assertThat(result).contains("blocked for call <PHONE> or mail <EMAIL>");
    assertThat(Json.write(e.get("erased").orElseThrow()))
        .isEqualTo("[\"/input/attributes/request/http/body\"]");
    assertThat(Json.write(e.get("masked").orElseThrow()))
        .isEqualTo(
            "[\"/input/attributes/request/http/headers/authorization\","
                + "\"/input/parsed_body/messages/0/content\","
                + "\"/input/parsed_body/messages/1/content\","
                + "\"/input/attributes/request/http/headers/x-contact\","
                + "\"/input/parsed_body/metadata/note\","
                + "\"/result/body\"]");
  }

  @Test
  void bundleMaskWinsWhereItSpeaks() throws Exception {
    PreparedPolicy p =
        Events.policy(
            DENY_WITH_REASON,
            """
            package system.log

            mask contains {"op": "upsert", "path": "/input/parsed_body/messages/0/content",
                           "value": "[SYSTEM PROMPT v3]"}
            """);
    ObjectValue e = only(new Events.Console(true).log(Events.event(p, CHAT)));
    String input = Json.write(e.get("input").orElseThrow());
    assertThat(input).contains("[SYSTEM PROMPT v3]").doesNotContain("4111", "jane.doe");
    assertThat(Json.write(e.get("masked").orElseThrow()))
        .startsWith("[\"/input/parsed_body/messages/0/content\",");
  }

  /**
   * The fixed edits rewrite each object once: several edits in the same object (two raw bodies and
   * the headers under {@code http}, prompt fields, messages and MCP fields under {@code
   * parsed_body}) all land, in the order they are recorded, and the ones the bundle's mask made
   * (one header, a removed prompt field, the MCP params as a whole) are left as it left them.
   */
  @Test
  void oneRewriteKeepsEveryEditAndTheBundlesChoices() throws Exception {
    PreparedPolicy p =
        Events.policy(
            Events.ALLOW,
            """
            package system.log

            mask contains {"op": "upsert", "path": "/input/attributes/request/http/headers/cookie",
                           "value": "session=kept-by-bundle"}
            mask contains "/input/parsed_body/prompt"
            mask contains {"op": "upsert", "path": "/input/parsed_body/params", "value": "params-by-bundle"}
            """);
    ObjectValue e =
        only(
            new Events.Console(true)
                .log(
                    Events.event(
                        p,
                        """
                        {"attributes": {"request": {"http": {"method": "POST",
                           "body": "raw", "raw_body": "cmF3",
                           "headers": {"authorization": "Bearer a", "cookie": "sid=1",
                                       "x-api-key": "k-1", "accept": "*/*"}}}},
                         "parsed_body": {"prompt": "p", "system": "s", "query": "q",
                           "messages": [{"role": "user", "content": "m"}],
                           "params": {"arguments": {"a": 1}}, "model": "m-1"}}
                        """)));
    assertThat(Json.write(e.get("input").orElseThrow()))
        .isEqualTo(
            "{\"attributes\":{\"request\":{\"http\":{\"headers\":{\"accept\":\"*/*\","
                + "\"authorization\":\"[REDACTED]\",\"cookie\":\"session=kept-by-bundle\","
                + "\"x-api-key\":\"[REDACTED]\"},\"method\":\"POST\"}}},"
                + "\"parsed_body\":{\"messages\":[{\"content\":\"[REDACTED]\",\"role\":\"user\"}],"
                + "\"model\":\"m-1\",\"params\":\"params-by-bundle\",\"query\":\"[REDACTED]\","
                + "\"system\":\"[REDACTED]\"}}");
    assertThat(Json.write(e.get("erased").orElseThrow()))
        .isEqualTo(
            "[\"/input/parsed_body/prompt\",\"/input/attributes/request/http/body\","
                + "\"/input/attributes/request/http/raw_body\"]");
    assertThat(Json.write(e.get("masked").orElseThrow()))
        .isEqualTo(
            "[\"/input/attributes/request/http/headers/cookie\",\"/input/parsed_body/params\","
                + "\"/input/attributes/request/http/headers/authorization\","
                + "\"/input/attributes/request/http/headers/x-api-key\","
                + "\"/input/parsed_body/system\",\"/input/parsed_body/query\","
                + "\"/input/parsed_body/messages/0/content\"]");
  }

  @Test
  void bundleCanTurnTheDefaultMaskOff() throws Exception {
    PreparedPolicy p =
        Events.policy(DENY_WITH_REASON, "package system.log\n\ndefault_mask := false\n");
    ObjectValue e = only(new Events.Console(true).log(Events.event(p, CHAT)));
    assertThat(Json.write(e.get("input").orElseThrow())).contains("You are helpful", "4111");
    assertThat(e.get("masked")).isEmpty();
  }

  @Test
  void configurationCanTurnTheDefaultMaskOff() throws Exception {
    PreparedPolicy p = Events.policy(DENY_WITH_REASON);
    ObjectValue e = only(new Events.Console(false).log(Events.event(p, CHAT)));
    assertThat(Json.write(e.get("input").orElseThrow())).contains("sk-live-abc");
  }

  @Test
  void mcpArgumentsAndRagQueriesAreMasked() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW);
    ObjectValue e =
        only(
            new Events.Console(true)
                .log(
                    Events.event(
                        p,
                        """
                        {"parsed_body": {"jsonrpc": "2.0", "method": "tools/call",
                          "params": {"name": "search", "arguments": {"q": "salary of Jane"}}},
                         "rag": {"parsed_body": {"query": "secret plans"}}}
                        """),
                    Events.event(
                        p, "{\"parsed_body\": {\"query\": \"who is Jane\", \"top_k\": 3}}")));
    assertThat(Json.write(e.get("input").orElseThrow()))
        .contains("\"arguments\":\"[REDACTED]\"", "\"name\":\"search\"", "tools/call");
  }

  @Test
  void promptFieldsAndMessagesOfOneBodyAreAllMasked() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW);
    ObjectValue e =
        only(
            new Events.Console(true)
                .log(
                    Events.event(
                        p,
                        """
                        {"parsed_body": {"instructions": "be terse", "input": "hello there",
                          "messages": [{"role": "user", "content": "first"},
                                       "not an object", {"role": "tool"},
                                       {"role": "user", "content": "second"}]}}
                        """)));
    assertThat(Json.write(e.get("input").orElseThrow()))
        .doesNotContain("be terse", "hello there", "first", "second")
        .contains("\"not an object\"", "{\"role\":\"tool\"}");
    assertThat(Json.write(e.get("masked").orElseThrow()))
        .isEqualTo(
            "[\"/input/parsed_body/input\",\"/input/parsed_body/instructions\","
                + "\"/input/parsed_body/messages/0/content\","
                + "\"/input/parsed_body/messages/3/content\"]");
  }

  @Test
  void repeatedValuesAreMaskedInEveryEvent() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW);
    String pii = "{\"note\": \"mail jane.doe@example.com\", \"user\": \"alice\"}";
    List<Value> lines =
        new Events.Console(true)
            .log(Events.event(p, pii), Events.event(p, pii), Events.event(p, pii));
    assertThat(lines).hasSize(3);
    for (Value line : lines) {
      ObjectValue o = (ObjectValue) line;
      assertThat(Json.write(o.get("input").orElseThrow()))
          .isEqualTo("{\"note\":\"mail <EMAIL>\",\"user\":\"alice\"}");
      assertThat(Json.write(o.get("masked").orElseThrow())).isEqualTo("[\"/input/note\"]");
    }
  }

  private static ObjectValue only(List<Value> lines) {
    assertThat(lines).isNotEmpty();
    return (ObjectValue) lines.get(0);
  }
}
