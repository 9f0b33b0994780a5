package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code uri.parse} and {@code uri.is_valid} against answers from real OPA 1.22.2 ({@code opa eval
 * --strict-builtin-errors '[uri.parse(u), uri.is_valid(u)]'}); the differential case {@code
 * uri_builtins} compares more URLs with OPA itself.
 */
class UriBuiltinsTest {

  static final String[][] CASES = {
    {
      "uri.parse",
      "[\"https://user:pw@Example.COM:8443/a%20b/c%2Fd?x=1&y=%20#frag%21\"]",
      "{\"fragment\": \"frag!\", \"hostname\": \"Example.COM\", \"path\": \"/a b/c/d\","
          + " \"port\": \"8443\", \"raw_path\": \"/a%20b/c%2Fd\", \"raw_query\": \"x=1&y=%20\","
          + " \"scheme\": \"https\"}"
    },
    {"uri.parse", "[\"mailto:joe@x.com\"]", "{\"scheme\": \"mailto\"}"},
    {"uri.parse", "[\"x?\"]", "{\"path\": \"x\", \"raw_path\": \"x\"}"},
    {"uri.parse", "[\"a/b:c\"]", "{\"path\": \"a/b:c\", \"raw_path\": \"a/b:c\"}"},
    {
      "uri.parse",
      "[\"http://[fe80::1%25en0]/\"]",
      "{\"hostname\": \"fe80::1%en0\", \"path\": \"/\", \"raw_path\": \"/\", \"scheme\": \"http\"}"
    },
    {"uri.parse", "[\"\"]", "{}"},
    {
      "uri.parse",
      "[\"http://h:abc/\"]",
      "!eval_builtin_error: uri.parse: parse \"http://h:abc/\": invalid port \":abc\" after host"
    },
    {
      "uri.parse",
      "[\"http://h/#%zz\"]",
      "!eval_builtin_error: uri.parse: parse \"http://h/#%zz\": invalid URL escape \"%zz\""
    },
    {
      "uri.parse",
      "[\"1a:b/c\"]",
      "!eval_builtin_error: uri.parse: parse \"1a:b/c\": first path segment in URL cannot"
          + " contain colon"
    },
    {
      "uri.parse",
      "[\"http://[1.2.3.4]/\"]",
      "!eval_builtin_error: uri.parse: parse \"http://[1.2.3.4]/\": invalid IP-literal"
    },
    {
      "uri.parse",
      "[\"http://[1::2::3]/\"]",
      "!eval_builtin_error: uri.parse: parse \"http://[1::2::3]/\": invalid host:"
          + " ParseAddr(\"1::2::3\"): multiple :: in address (at \":3\")"
    },
    {"uri.parse", "[1]", "!eval_type_error: uri.parse: operand 1 must be string but got number"},
    {"uri.is_valid", "[\"http://h/p\"]", "true"},
    {"uri.is_valid", "[\"\"]", "false"},
    {"uri.is_valid", "[\"http://h h/\"]", "false"},
    {"uri.is_valid", "[1]", "false"},
  };

  static Stream<Arguments> cases() {
    return OpaCase.of(CASES);
  }

  @ParameterizedTest(name = "{0}{1}")
  @MethodSource("cases")
  void call_matchesOpa(String name, String args, String expected) throws Exception {
    OpaCase.check(name, args, expected);
  }
}
