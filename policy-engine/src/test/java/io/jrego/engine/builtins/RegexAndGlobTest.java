package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regex, glob and glob-intersection builtins, against answers from real OPA 1.22.2 ({@code opa eval
 * --strict-builtin-errors} with the operands passed as input, so that type errors surface at run
 * time).
 */
class RegexAndGlobTest {

  static final String[][] CASES = {
    {"regex.match", "[\"^a.*z$\", \"abcz\"]", "true"},
    {"regex.match", "[\"b\", \"abc\"]", "true"},
    {
      "regex.match",
      "[\"(\", \"abc\"]",
      "!eval_builtin_error: regex.match: error parsing regexp: missing closing ): `(`"
    },
    {"regex.match", "[\"\", \"\"]", "true"},
    {"regex.match", "[\"\\\\d+\", \"abc\"]", "false"},
    {
      "regex.match",
      "[1, \"abc\"]",
      "!eval_type_error: regex.match: operand 1 must be string but got number"
    },
    {"re_match", "[\"a\", \"abc\"]", "true"},
    {"regex.is_valid", "[\"++\"]", "false"},
    {"regex.is_valid", "[\".+\"]", "true"},
    {"regex.is_valid", "[1]", "false"},
    {"regex.split", "[\"a\", \"banana\"]", "[\"b\",\"n\",\"n\",\"\"]"},
    {"regex.split", "[\"z+\", \"pizza\"]", "[\"pi\",\"a\"]"},
    {"regex.split", "[\"^foo\", \"foobar baz\"]", "[\"\",\"bar baz\"]"},
    {"regex.split", "[\"\", \"abc\"]", "[\"a\",\"b\",\"c\"]"},
    {"regex.split", "[\"x*\", \"axbxxc\"]", "[\"a\",\"b\",\"c\"]"},
    {"regex.split", "[\"a\", \"\"]", "[\"\"]"},
    {"regex.find_n", "[\"a.\", \"paranormal\", -1]", "[\"ar\",\"an\",\"al\"]"},
    {"regex.find_n", "[\"a.\", \"paranormal\", 2]", "[\"ar\",\"an\"]"},
    {"regex.find_n", "[\"^a.\", \"abacad\", -1]", "[\"ab\"]"},
    {"regex.find_n", "[\"a*\", \"baaac\", -1]", "[\"\",\"aaa\",\"\"]"},
    {"regex.find_n", "[\"\", \"h\u00e9llo\", -1]", "[\"\",\"\",\"\",\"\",\"\",\"\"]"},
    {"regex.find_n", "[\"x*\", \"axbxxc\", -1]", "[\"\",\"x\",\"xx\",\"\"]"},
    {
      "regex.find_all_string_submatch_n",
      "[\"a(x*)b\", \"-ab-axb-\", -1]",
      "[[\"ab\",\"\"],[\"axb\",\"x\"]]"
    },
    {
      "regex.find_all_string_submatch_n",
      "[\"[^aouiye]([aouiye])([^aouiye])?\", \"somestri\", -1]",
      "[[\"som\",\"o\",\"m\"],[\"ri\",\"i\",\"\"]]"
    },
    {
      "regex.find_all_string_submatch_n",
      "[\"(a)|(b)\", \"ab\", -1]",
      "[[\"a\",\"a\",\"\"],[\"b\",\"\",\"b\"]]"
    },
    {"regex.replace", "[\"-a-a-\", \"a\", \"0\"]", "\"-0-0-\""},
    {
      "regex.replace",
      "[\"foo\", \"(f)(o+)\", \"$2$1 ${1}x $1x $$ $9 ${bad\"]",
      "\"oof fx  $  ${bad\""
    },
    {"regex.replace", "[\"abc\", \"(?P<first>a)\", \"[${first}]\"]", "\"[a]bc\""},
    {"regex.replace", "[\"abc\", \"x*\", \"-\"]", "\"-a-b-c-\""},
    {
      "regex.replace",
      "[\"abc\", \"(\", \"-\"]",
      "!eval_builtin_error: regex.replace: error parsing regexp: missing closing ): `(`"
    },
    {"regex.replace", "[\"h\u00e9llo\", \".\", \"_\"]", "\"_____\""},
    {"regex.template_match", "[\"urn:foo:{.*}\", \"urn:foo:bar:baz\", \"{\", \"}\"]", "true"},
    {"regex.template_match", "[\"urn:foo:<[a-z]+>:x\", \"urn:foo:bar:x\", \"<\", \">\"]", "true"},
    {
      "regex.template_match",
      "[\"urn:foo:{.*\", \"urn:foo:bar\", \"{\", \"}\"]",
      "!eval_builtin_error: regex.template_match: unbalanced braces in \"urn:foo:{.*\""
    },
    {
      "regex.template_match",
      "[\"urn:{(}\", \"urn:x\", \"{\", \"}\"]",
      "!eval_builtin_error: regex.template_match: error parsing regexp: missing closing ): `^($`"
    },
    {
      "regex.template_match",
      "[\"urn\", \"urn\", \"{{\", \"}\"]",
      "!eval_builtin_error: regex.template_match: start delimiter has to be exactly one character long but is 2 long"
    },
    {"regex.globs_match", "[\"a.a.[0-9]+z\", \".b.b2359825792*594823z\"]", "true"},
    {"regex.globs_match", "[\"[a-z]+\", \"[0-9]*\"]", "false"},
    {
      "regex.globs_match",
      "[\"pqrs]\", \"[a-b]+\"]",
      "!eval_builtin_error: regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid"
    },
    {"regex.globs_match", "[\"[a-z]+\\\\[[0-9]+\\\\]\", \"foo\\\\[1\\\\]\"]", "true"},
    {"regex.globs_match", "[\"[a-z]+\\\\[[0-9]+\\\\]\", \"foo[\\\"bar\\\"]\"]", "false"},
    {"regex.globs_match", "[\"a*b\", \"a+\"]", "false"},
    {
      "regex.globs_match",
      "[\"*\", \"a\"]",
      "!eval_builtin_error: regex.globs_match: input:*, pos:1, flag '*' must be preceded by a non-flag: the input provided is invalid"
    },
    {
      "regex.globs_match",
      "[\"[a-\", \"a\"]",
      "!eval_builtin_error: regex.globs_match: input:[a-, pos:3, range character '-' must be followed by a Unicode character: the input provided is invalid"
    },
    {"regex.globs_match", "[\"a.*\", \"ab+c\"]", "true"},
    {"glob.match", "[\"*.github.com\", [\".\"], \"api.github.com\"]", "true"},
    {"glob.match", "[\"api.**.com\", [\".\"], \"api.cdn.github.com\"]", "true"},
    {"glob.match", "[\"*.github.com\", [\".\"], \"api.not-github.com\"]", "false"},
    {"glob.match", "[\"[!a-c]at\", [], \"fat\"]", "true"},
    {"glob.match", "[\"[!abc]at\", [], \"cat\"]", "false"},
    {"glob.match", "[\"?at\", [\"f\"], \"fat\"]", "false"},
    {"glob.match", "[\"{cat,bat,[fr]at}\", [], \"rat\"]", "true"},
    {"glob.match", "[\"{cat,bat,[fr]at}\", [], \"at\"]", "false"},
    {"glob.match", "[\"*\", [], \"foo.bar\"]", "false"},
    {"glob.match", "[\"*\", null, \"foo.bar\"]", "true"},
    {"glob.match", "[\"foo*\", null, \"foo.bar\"]", "true"},
    {"glob.match", "[\"a\\\\*b\", null, \"a*b\"]", "true"},
    {"glob.match", "[\"a\\\\*b\", null, \"axb\"]", "false"},
    {
      "glob.match",
      "[\"[abc\", null, \"a\"]",
      "!eval_builtin_error: glob.match: glob: syntax error at 4: unexpected end of input"
    },
    {
      "glob.match",
      "[\"{a,b\", null, \"a\"]",
      "!eval_builtin_error: glob.match: glob: syntax error at 4: unclosed `{`"
    },
    {
      "glob.match",
      "[\"a\", \"x\", \"a\"]",
      "!eval_type_error: glob.match: operand 2 must be one of {array, null} but got string"
    },
    {
      "glob.match",
      "[\"a\", [\"ab\"], \"a\"]",
      "!eval_type_error: glob.match: operand 2 must be array of runes but got array containing string"
    },
    {"glob.match", "[\"*:github:com\", [\":\"], \"api:github:com\"]", "true"},
    {"glob.match", "[\"a,b}\", null, \"a,b}\"]", "true"},
    {"glob.match", "[\"{a,{b,c}}d\", null, \"cd\"]", "true"},
    {
      "glob.match",
      "[\"\\\\\", null, \"a\"]",
      "!eval_builtin_error: glob.match: glob: syntax error at 1: trailing backslash"
    },
    {
      "glob.match",
      "[\"[a-]\", null, \"a\"]",
      "!eval_builtin_error: glob.match: glob: syntax error at 4: unexpected end of input"
    },
    {"glob.quote_meta", "[\"*.github.com\"]", "\"\\\\*.github.com\""},
    {"glob.quote_meta", "[\"[a]{b},c?\\\\!-\"]", "\"\\\\[a\\\\]\\\\{b\\\\},c\\\\?\\\\\\\\!-\""},
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
