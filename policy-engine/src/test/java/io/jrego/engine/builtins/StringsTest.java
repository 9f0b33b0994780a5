package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * String builtins and sprintf against answers from real OPA 1.22.2 ({@code opa eval
 * --strict-builtin-errors} with the operands passed as input, so that type errors surface at run
 * time).
 */
class StringsTest {

  static final String[][] CASES = {
    {"replace", "[\"hello world\", \"o\", \"0\"]", "\"hell0 w0rld\""},
    {"replace", "[\"abc\", \"\", \"-\"]", "\"-a-b-c-\""},
    {"replace", "[\"aaa\", \"aa\", \"b\"]", "\"ba\""},
    {
      "replace",
      "[1, \"a\", \"b\"]",
      "!eval_type_error: replace: operand 1 must be string but got number"
    },
    {"lower", "[\"HeLLo \u00c4\u00d6 \u0130\"]", "\"hello \u00e4\u00f6 i\""},
    {"upper", "[\"hello stra\u00dfe \u00df\"]", "\"HELLO STRA\u00dfE \u00df\""},
    {"lower", "[5]", "!eval_type_error: lower: operand 1 must be string but got number"},
    {"concat", "[\", \", [\"a\", \"b\", \"c\"]]", "\"a, b, c\""},
    {"concat", "[\"\", []]", "\"\""},
    {
      "concat",
      "[\"-\", [\"a\", 1]]",
      "!eval_type_error: concat: operand 2 must be array of strings but got array containing number"
    },
    {
      "concat",
      "[\"-\", \"ab\"]",
      "!eval_type_error: concat: operand 2 must be one of {set, array} but got string"
    },
    {"trim_space", "[\"  \\t hi \\n \"]", "\"hi\""},
    {"trim_space", "[\"\\u00a0x\\u2003\"]", "\"x\""},
    {"split", "[\"a.b.c\", \".\"]", "[\"a\",\"b\",\"c\"]"},
    {"split", "[\"abc\", \"\"]", "[\"a\",\"b\",\"c\"]"},
    {"split", "[\"\", \"\"]", "[]"},
    {"split", "[\"\", \".\"]", "[\"\"]"},
    {"split", "[\"a..b\", \".\"]", "[\"a\",\"\",\"b\"]"},
    {"startswith", "[\"foobar\", \"foo\"]", "true"},
    {"endswith", "[\"foobar\", \"bar\"]", "true"},
    {
      "endswith",
      "[\"foobar\", 1]",
      "!eval_type_error: endswith: operand 2 must be string but got number"
    },
    {"trim", "[\"  xxhixx \", \" x\"]", "\"hi\""},
    {"trim_left", "[\"aabcaa\", \"a\"]", "\"bcaa\""},
    {"trim_right", "[\"aabcaa\", \"a\"]", "\"aabc\""},
    {"trim_prefix", "[\"foobar\", \"foo\"]", "\"bar\""},
    {"trim_prefix", "[\"foobar\", \"bar\"]", "\"foobar\""},
    {"trim_suffix", "[\"foobar\", \"bar\"]", "\"foo\""},
    {"contains", "[\"foobar\", \"oba\"]", "true"},
    {"contains", "[\"foobar\", \"\"]", "true"},
    {"indexof", "[\"h\u00e9llo w\u00f6rld\", \"w\"]", "6"},
    {"indexof", "[\"hello\", \"z\"]", "-1"},
    {"indexof", "[\"hello\", \"\"]", "!eval_builtin_error: indexof: empty search character"},
    {"indexof_n", "[\"ababab\", \"ab\"]", "[0,2,4]"},
    {"indexof_n", "[\"aaaa\", \"aa\"]", "[0,1,2]"},
    {"indexof_n", "[\"\u00f6-\u00f6-\u00f6\", \"\u00f6\"]", "[0,2,4]"},
    {"substring", "[\"h\u00e9llo\", 1, 3]", "\"\u00e9ll\""},
    {"substring", "[\"hello\", 1, -1]", "\"ello\""},
    {"substring", "[\"hello\", 10, 2]", "\"\""},
    {"substring", "[\"hello\", -1, 2]", "!eval_builtin_error: substring: negative offset"},
    {
      "substring",
      "[\"hello\", 1.5, 2]",
      "!eval_type_error: substring: operand 2 must be integer number but got floating-point number"
    },
    {"substring", "[\"hello\", 0, 100]", "\"hello\""},
    {"strings.reverse", "[\"h\u00e9llo\ud83d\ude00\"]", "\"\ud83d\ude00oll\u00e9h\""},
    {"strings.replace_n", "[{\"a\": \"1\", \"ab\": \"2\", \"b\": \"3\"}, \"abcab\"]", "\"13c13\""},
    {
      "strings.replace_n",
      "[{\"a\": 1}, \"abc\"]",
      "!eval_type_error: strings.replace_n: operand 1 non-string value found in pattern object"
    },
    {"strings.count", "[\"cheese\", \"e\"]", "3"},
    {"strings.count", "[\"five\", \"\"]", "5"},
    {"strings.any_prefix_match", "[\"foobar\", [\"x\", \"foo\"]]", "true"},
    {"strings.any_prefix_match", "[[\"a\", \"foobar\"], \"foo\"]", "true"},
    {
      "strings.any_prefix_match",
      "[1, \"foo\"]",
      "!eval_type_error: strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number"
    },
    {"strings.any_suffix_match", "[\"foobar\", [\"bar\"]]", "true"},
    {
      "strings.any_suffix_match",
      "[\"foobar\", [1]]",
      "!eval_type_error: strings.any_suffix_match: operand 2 must be array of strings but got array containing number"
    },
    {"strings.split_n", "[\"a.b.c\", \".\", 2]", "[\"a\",\"b\"]"},
    {"strings.split_n", "[\"a.b.c\", \".\", -2]", "[\"b\",\"c\"]"},
    {"strings.split_n", "[\"a.b.c\", \".\", 0]", "[]"},
    {"format_int", "[255, 16]", "\"ff\""},
    {"format_int", "[-15.9, 16]", "\"-f\""},
    {"format_int", "[10, 2]", "\"1010\""},
    {"format_int", "[8, 8]", "\"10\""},
    {"format_int", "[18446744073709551617, 10]", "\"18446744073709551617\""},
    {
      "format_int",
      "[10, 3]",
      "!eval_type_error: format_int: operand 2 must be one of {2, 8, 10, 16}"
    },
    {"to_number", "[\"3.14\"]", "3.14"},
    {"to_number", "[\"-12\"]", "-12"},
    {"to_number", "[\"1e3\"]", "1e3"},
    {
      "to_number",
      "[\"broken\"]",
      "!eval_builtin_error: to_number: strconv.ParseFloat: parsing \"broken\": invalid syntax"
    },
    {
      "to_number",
      "[\"inf\"]",
      "!eval_type_error: to_number: operand 1 must be valid number string but got string"
    },
    {"to_number", "[null]", "0"},
    {"to_number", "[true]", "1"},
    {
      "to_number",
      "[[1]]",
      "!eval_type_error: to_number: operand 1 must be one of {null, boolean, number, string} but got array"
    },
    {
      "to_number",
      "[\"1e400\"]",
      "!eval_builtin_error: to_number: strconv.ParseFloat: parsing \"1e400\": value out of range"
    },
    {"sprintf", "[\"%s\", [5]]", "\"%!s(int64=5)\""},
    {"sprintf", "[\"%d\", [\"a\"]]", "\"%!d(string=a)\""},
    {
      "sprintf",
      "[\"%v %v %v %v\", [1.5, true, null, [1, \"a\", {\"b\": 2}]]]",
      "\"1.5 true null [1, \\\"a\\\", {\\\"b\\\": 2}]\""
    },
    {"sprintf", "[\"%d %d\", [1]]", "\"1 %!d(MISSING)\""},
    {"sprintf", "[\"%d\", [1, 2]]", "\"1%!(EXTRA int64=2)\""},
    {
      "sprintf",
      "[\"%.2f|%5d|%-5d|%05d|%x|%X|%o|%b\", [2.675, 42, 42, -42, 255, 255, 8, 5]]",
      "\"2.67|   42|42   |-0042|ff|FF|10|101\""
    },
    {
      "sprintf",
      "[\"%e|%g|%v|%v|%v|%v\", [123456.789, 1e21, 1e21, 1234567.5, 0.00001, 123456.0]]",
      "\"1.234568e+05|1e+21|1e+21|1.2345675e+06|1e-05|123456\""
    },
    {
      "sprintf",
      "[\"%q|%x|%t|%5.1s|%c|%U\", [\"a\\\"b\\u00e9\\n\", \"hi\", true, \"hello\", 65, 65]]",
      "\"\\\"a\\\\\\\"b\u00e9\\\\n\\\"|6869|%!t(string=true)|    h|A|U+0041\""
    },
    {"sprintf", "[\"%v|%d|%f\", [1.0, 1.0, 3]]", "\"1|%!d(float64=1)|%!f(int64=3)\""},
    {
      "sprintf",
      "[\"%+d|% d|%#x|%#o|%8.3f|%-8.3f|\", [5, 5, 255, 8, 3.14159, 3.14159]]",
      "\"+5| 5|0xff|010|   3.142|3.142   |\""
    },
    {"sprintf", "[\"%v\", [{\"a\": \"x\"}]]", "\"{\\\"a\\\": \\\"x\\\"}\""},
    {"sprintf", "[\"%%|%z\", [1]]", "\"%|%!z(int64=1)\""},
    {"sprintf", "[\"%!\", []]", "\"%!!(MISSING)\""},
    {"sprintf", "[\"%d\", [100000000000000000000]]", "\"100000000000000000000\""},
    {"sprintf", "[\"%x\", [100000000000000000000]]", "\"56bc75e2d63100000\""},
    {"sprintf", "[\"%s\", [123456789123456789123]]", "\"123456789123456789123\""},
    {
      "sprintf",
      "[\"%.3g|%g|%G|%E\", [3.14159, 0.0001, 1e-7, 12.5]]",
      "\"3.14|0.0001|1E-07|1.250000E+01\""
    },
    {"sprintf", "[\"%[2]d %[1]d\", [1, 2]]", "\"2 1\""},
    {"sprintf", "[\"%*d\", [5, 3]]", "\"    3\""},
    {"sprintf", "[\"%6.2v\", [3.14159]]", "\"   3.1\""},
    {
      "sprintf",
      "[\"%.0f|%.1f|%.10f|%g|%g\", [0.5, 0.05, 0.1, 100000.0, 1234567.0]]",
      "\"0|0.1|0.1000000000|100000|1.234567e+06\""
    },
    {"sprintf", "[\"%T %T %T\", [1, \"a\", 1.5]]", "\"int64 string float64\""},
    {"sprintf", "[\"%s\", [\"ok\"]]", "\"ok\""},
    {
      "sprintf",
      "[\"%08.3f|%-08d|%+.2e\", [-3.14159, 7, 12345.678]]",
      "\"-003.142|7       |+1.23e+04\""
    },
    {"sprintf", "[\"%v\", [\"x\"]]", "\"x\""},
    {"sprintf", "[\"%d%%\", [50]]", "\"50%\""},
    {"sprintf", "[\"%s\", [[]]]", "\"[]\""},
    {"sprintf", "[\"%.2f\", [1]]", "\"%!f(int64=01)\""},
    {"sprintf", "[\"%5t\", [true]]", "\"%!t(string= true)\""},
    {"sprintf", "[1, []]", "!eval_type_error: sprintf: operand 1 must be string but got number"},
    {
      "sprintf",
      "[\"%s\", \"x\"]",
      "!eval_type_error: sprintf: operand 2 must be array but got string"
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
