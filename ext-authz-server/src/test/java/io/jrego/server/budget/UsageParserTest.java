package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageParserTest {

  private static Optional<TokenUsage> json(String s) {
    return UsageParser.fromJson(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void openAiChatCompletionsCompletionsAndEmbeddings() {
    assertThat(
            json(
                """
                {"id":"chatcmpl-1","object":"chat.completion","choices":[],
                 "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                          "completion_tokens_details":{"reasoning_tokens":0}}}"""))
        .contains(new TokenUsage(19, 10, 29));
    assertThat(
            json(
                """
                {"object":"list","data":[],"model":"text-embedding-3-small",
                 "usage":{"prompt_tokens":8,"total_tokens":8}}"""))
        .contains(new TokenUsage(8, 0, 8));
  }

  @Test
  void openAiResponsesAndAnthropicMessages() {
    assertThat(
            json(
                """
                {"id":"resp_1","object":"response","output":[],
                 "usage":{"input_tokens":36,"output_tokens":87,"total_tokens":123,
                          "input_tokens_details":{"cached_tokens":0}}}"""))
        .contains(new TokenUsage(36, 87, 123));
    assertThat(
            json(
                """
                {"id":"msg_1","type":"message","role":"assistant","content":[],
                 "usage":{"input_tokens":2095,"output_tokens":503,
                          "cache_creation_input_tokens":100,"cache_read_input_tokens":50}}"""))
        .contains(new TokenUsage(2245, 503, 2748));
  }

  @Test
  void noUsageOrNotJson() {
    assertThat(json("{\"choices\":[]}")).isEmpty();
    assertThat(json("not json")).isEmpty();
    assertThat(json("[1,2]")).isEmpty();
  }

  /** Feeds {@code sse} in chunks of {@code size} bytes, splitting lines and UTF-8 sequences. */
  private static Optional<TokenUsage> stream(String sse, int size) {
    UsageParser.Stream s = new UsageParser.Stream();
    byte[] b = sse.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i += size) {
      s.feed(b, i, Math.min(size, b.length - i));
    }
    return s.usage();
  }

  @Test
  void openAiStreamUsageChunk() {
    String sse =
        """
        data: {"id":"c","object":"chat.completion.chunk","choices":[{"delta":{"content":"héllo wörld"}}],"usage":null}

        data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":345,"total_tokens":357}}

        data: [DONE]

        """;
    for (int size : new int[] {1, 3, 7, 64, 4096}) {
      assertThat(stream(sse, size)).as("chunks of %d", size).contains(new TokenUsage(12, 345, 357));
    }
    assertThat(stream(sse.replace("\n", "\r\n"), 5)).contains(new TokenUsage(12, 345, 357));
  }

  @Test
  void anthropicStreamStartAndCumulativeDeltas() {
    String sse =
        """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":472,"output_tokens":2}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}

        """;
    assertThat(stream(sse, 11)).contains(new TokenUsage(472, 89, 561));
  }

  @Test
  void openAiResponsesStreamCompletedEvent() {
    String sse =
        """
        event: response.created
        data: {"type":"response.created","response":{"id":"resp_1","usage":null}}

        event: response.completed
        data: {"type":"response.completed","response":{"id":"resp_1","usage":{"input_tokens":20,"output_tokens":30,"total_tokens":50}}}

        """;
    assertThat(stream(sse, 13)).contains(new TokenUsage(20, 30, 50));
  }

  @Test
  void aStreamWithoutUsageAndAnOverlongLineReportNothing() {
    assertThat(stream("data: {\"choices\":[]}\n\n", 4)).isEmpty();
    String longLine =
        "data: {\"usage\":{\"total_tokens\":5},\"x\":\"" + "a".repeat(1 << 20) + "\"}\n";
    assertThat(stream(longLine, 8192)).isEmpty();
  }

  @Test
  void includeUsageIsAddedOnlyToStreamsThatLackIt() {
    assertThat(edit("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"))
        .contains(
            "{\"model\":\"m\",\"stream\":true,\"messages\":[],\"stream_options\":{\"include_usage\":true}}");
    assertThat(edit("{\"stream\":true,\"stream_options\":{\"include_obfuscation\":false}}"))
        .contains(
            "{\"stream\":true,\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":true}}");
    assertThat(edit("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")).isEmpty();
    assertThat(edit("{\"stream\":false}")).isEmpty();
    assertThat(edit("{\"messages\":[]}")).isEmpty();
    assertThat(edit("{\"stream\":true,\"stream_options\":\"odd\"}")).isEmpty();
    assertThat(edit("not json")).isEmpty();
  }

  @Test
  void includeUsageIsSplicedKeepingTheClientsBytes() {
    assertThat(edit("{ \"stream\" : true ,\n  \"n\": 1.50e2, \"s\": \"\\u00e9\" }\n"))
        .contains(
            "{ \"stream\" : true ,\n  \"n\": 1.50e2, \"s\": \"\\u00e9\" "
                + ",\"stream_options\":{\"include_usage\":true}}\n");
    assertThat(edit("{\"stream\":true,\"stream_options\":{}}"))
        .contains("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(edit("{\"stream\":true,\"stream_options\":null}"))
        .contains("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(edit("{\"stream_options\":{\"include_usage\":false,\"x\":[1]},\"stream\":true}"))
        .contains("{\"stream_options\":{\"include_usage\":true,\"x\":[1]},\"stream\":true}");
    assertThat(edit("{\"stream\":true} trailing")).isEmpty();
    assertThat(edit("[{\"stream\":true}]")).isEmpty();
  }

  private static Optional<String> edit(String body) {
    return UsageParser.withIncludeUsage(body.getBytes(StandardCharsets.UTF_8))
        .map(b -> new String(b, StandardCharsets.UTF_8));
  }
}
