package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JSON, base64, hex and URL query builtins, against answers from real OPA 1.22.2 ({@code opa eval
 * --strict-builtin-errors} with the operands passed as input, so that type errors surface at run
 * time).
 */
class EncodingTest {

  static final String[][] CASES = {
    {
      "json.marshal",
      "[{\"b\": [1, 2.5, \"x<y>&z\"], \"a\": null, \"c\": {\"\\u2028\": true}}]",
      "\"{\\\"a\\\":null,\\\"b\\\":[1,2.5,\\\"x\\\\u003cy\\\\u003e\\\\u0026z\\\"],\\\"c\\\":{\\\"\\\\u2028\\\":true}}\""
    },
    {
      "json.marshal",
      "[\"tab\\there\\u0001\\u007f\\b\\f\"]",
      "\"\\\"tab\\\\there\\\\u0001\u007f\\\\b\\\\f\\\"\""
    },
    {"json.marshal", "[[]]", "\"[]\""},
    {"json.marshal", "[{}]", "\"{}\""},
    {
      "json.marshal_with_options",
      "[{\"a\": [1, {\"b\": 2}], \"c\": {}}, {\"pretty\": true}]",
      "\"{\\n\\t\\\"a\\\": [\\n\\t\\t1,\\n\\t\\t{\\n\\t\\t\\t\\\"b\\\": 2\\n\\t\\t}\\n\\t],\\n\\t\\\"c\\\": {}\\n}\""
    },
    {
      "json.marshal_with_options",
      "[{\"a\": [1, {\"b\": 2}]}, {\"indent\": \"  \", \"prefix\": \"--\"}]",
      "\"--{\\n--  \\\"a\\\": [\\n--    1,\\n--    {\\n--      \\\"b\\\": 2\\n--    }\\n--  ]\\n--}\""
    },
    {
      "json.marshal_with_options",
      "[{\"a\": 1}, {\"indent\": \"  \", \"pretty\": false}]",
      "\"{\\\"a\\\":1}\""
    },
    {
      "json.marshal_with_options",
      "[{\"a\": 1}, {\"foo\": 1}]",
      "!eval_type_error: json.marshal_with_options: operand 2 object contained unknown key \"foo\""
    },
    {
      "json.marshal_with_options",
      "[{\"a\": 1}, {\"pretty\": 1}]",
      "!eval_type_error: json.marshal_with_options: operand 2 key \"pretty\" failed cast to bool"
    },
    {"json.marshal_with_options", "[[], {\"pretty\": true}]", "\"[]\""},
    {"json.unmarshal", "[\"{\\\"a\\\": [1, 2.50, \\\"x\\\"]}\"]", "{\"a\":[1,2.50,\"x\"]}"},
    {
      "json.unmarshal",
      "[1]",
      "!eval_type_error: json.unmarshal: operand 1 must be string but got number"
    },
    {"json.is_valid", "[\"{\\\"a\\\": 1}\"]", "true"},
    {"json.is_valid", "[\"{a: 1}\"]", "false"},
    {"json.is_valid", "[1]", "false"},
    {"base64.encode", "[\"h\u00e9llo\"]", "\"aMOpbGxv\""},
    {"base64.decode", "[\"aGVsbG8=\"]", "\"hello\""},
    {
      "base64.decode",
      "[\"aGVsbG8\"]",
      "!eval_builtin_error: base64.decode: illegal base64 data at input byte 4"
    },
    {
      "base64.decode",
      "[\"aGVs bG8=\"]",
      "!eval_builtin_error: base64.decode: illegal base64 data at input byte 4"
    },
    {
      "base64.decode",
      "[\"aGVsbG8==\"]",
      "!eval_builtin_error: base64.decode: illegal base64 data at input byte 8"
    },
    {"base64.decode", "[\"aGVsbA==\"]", "\"hell\""},
    {
      "base64.decode",
      "[\"aGVsbA=\"]",
      "!eval_builtin_error: base64.decode: illegal base64 data at input byte 7"
    },
    {
      "base64.decode",
      "[\"aGVsbG\"]",
      "!eval_builtin_error: base64.decode: illegal base64 data at input byte 4"
    },
    {
      "base64.decode",
      "[\"aGVsb\"]",
      "!eval_builtin_error: base64.decode: illegal base64 data at input byte 4"
    },
    {"base64.decode", "[\"aGVs\\nbG8=\"]", "\"hello\""},
    {"base64.is_valid", "[\"aGVsbG8=\"]", "true"},
    {"base64.is_valid", "[\"aGVsbG8\"]", "false"},
    {"base64url.encode", "[\"\\u00ff\\u00fe?>\"]", "\"w7_Dvj8-\""},
    {"base64url.encode_no_pad", "[\"hello?\"]", "\"aGVsbG8_\""},
    {"base64url.decode", "[\"aGVsbG8_\"]", "\"hello?\""},
    {"base64url.decode", "[\"aGVsbG8\"]", "\"hello\""},
    {
      "base64url.decode",
      "[\"aGVsbG8x1\"]",
      "!eval_builtin_error: base64url.decode: illegal base64url string: aGVsbG8x1"
    },
    {
      "base64url.decode",
      "[\"aGV*\"]",
      "!eval_builtin_error: base64url.decode: illegal base64 data at input byte 3"
    },
    {"hex.encode", "[\"h\u00e9llo\"]", "\"68c3a96c6c6f\""},
    {"hex.decode", "[\"68656c6c6f\"]", "\"hello\""},
    {
      "hex.decode",
      "[\"6g\"]",
      "!eval_builtin_error: hex.decode: encoding/hex: invalid byte: U+0067 'g'"
    },
    {
      "hex.decode",
      "[\"686\"]",
      "!eval_builtin_error: hex.decode: encoding/hex: odd length hex string"
    },
    {
      "hex.decode",
      "[\"68z\"]",
      "!eval_builtin_error: hex.decode: encoding/hex: invalid byte: U+007A 'z'"
    },
    {"urlquery.encode", "[\"a b&c=d/\u00e9~\"]", "\"a+b%26c%3Dd%2F%C3%A9~\""},
    {"urlquery.decode", "[\"a+b%26c%3Dd%2F%C3%A9~\"]", "\"a b\\u0026c=d/\u00e9~\""},
    {
      "urlquery.decode",
      "[\"a%zzb\"]",
      "!eval_builtin_error: urlquery.decode: invalid URL escape \"%zz\""
    },
    {
      "urlquery.decode",
      "[\"a%2\"]",
      "!eval_builtin_error: urlquery.decode: invalid URL escape \"%2\""
    },
    {
      "urlquery.encode_object",
      "[{\"b\": [\"x y\", \"z\"], \"a\": \"1&\"}]",
      "\"a=1%26\\u0026b=x+y\\u0026b=z\""
    },
    {
      "urlquery.encode_object",
      "[{\"a\": 1}]",
      "!eval_type_error: urlquery.encode_object: operand 1 values must be string, array[string], or set[string]"
    },
    {
      "urlquery.encode_object",
      "[\"x\"]",
      "!eval_type_error: urlquery.encode_object: operand 1 must be object but got string"
    },
    {
      "urlquery.decode_object",
      "[\"a=1&b=2&a=3&c&d=\"]",
      "{\"a\":[\"1\",\"3\"],\"b\":[\"2\"],\"c\":[\"\"],\"d\":[\"\"]}"
    },
    {
      "urlquery.decode_object",
      "[\"a=1;b=2\"]",
      "!eval_builtin_error: urlquery.decode_object: invalid semicolon separator in query"
    },
    {
      "urlquery.decode_object",
      "[\"a=%zz\"]",
      "!eval_builtin_error: urlquery.decode_object: invalid URL escape \"%zz\""
    },
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
