package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * units.parse, units.parse_bytes and semver builtins, against answers from real OPA 1.22.2 ({@code
 * opa eval --strict-builtin-errors} with the operands passed as input, so that type errors surface
 * at run time).
 */
class UnitsAndSemverTest {

  static final String[][] CASES = {
    {"units.parse", "[\"10K\"]", "10000"},
    {"units.parse", "[\"10Ki\"]", "10240"},
    {"units.parse", "[\"100m\"]", "0.1000000000"},
    {"units.parse", "[\"1000m\"]", "1.0000000000"},
    {"units.parse", "[\"1.5M\"]", "1500000"},
    {"units.parse", "[\"1e3\"]", "1000"},
    {
      "units.parse",
      "[\"1 K\"]",
      "!eval_builtin_error: units.parse: units.parse: spaces not allowed in resource strings"
    },
    {"units.parse", "[\"K\"]", "!eval_builtin_error: units.parse: units.parse: no amount provided"},
    {
      "units.parse",
      "[\"10X\"]",
      "!eval_builtin_error: units.parse: units.parse: unit X not recognized"
    },
    {"units.parse", "[\"10MI\"]", "10485760"},
    {
      "units.parse",
      "[\"1e1234567\"]",
      "!eval_builtin_error: units.parse: units.parse: exponent too large"
    },
    {
      "units.parse",
      "[\"1.2.3\"]",
      "!eval_builtin_error: units.parse: units.parse: could not parse amount to a number"
    },
    {"units.parse", "[\"\\\"10k\\\"\"]", "10000"},
    {"units.parse_bytes", "[\"10KB\"]", "10000"},
    {"units.parse_bytes", "[\"10kib\"]", "10240"},
    {"units.parse_bytes", "[\"1.5GiB\"]", "1610612736"},
    {"units.parse_bytes", "[\"0.1\"]", "0"},
    {"units.parse_bytes", "[\"12\"]", "12"},
    {
      "units.parse_bytes",
      "[\"1 kb\"]",
      "!eval_builtin_error: units.parse_bytes: units.parse_bytes: spaces not allowed in resource strings"
    },
    {
      "units.parse_bytes",
      "[\"kb\"]",
      "!eval_builtin_error: units.parse_bytes: units.parse_bytes: no byte amount provided"
    },
    {
      "units.parse_bytes",
      "[\"10xb\"]",
      "!eval_builtin_error: units.parse_bytes: units.parse_bytes: byte unit xb not recognized"
    },
    {
      "units.parse_bytes",
      "[\"1.1.1mb\"]",
      "!eval_builtin_error: units.parse_bytes: units.parse_bytes: could not parse byte amount to a number"
    },
    {"units.parse_bytes", "[\"3.3333333333333333333333E\"]", "3333333333333333333"},
    {"semver.is_valid", "[\"1.2.3\"]", "true"},
    {"semver.is_valid", "[\"v1.2.3-rc.1+build.5\"]", "true"},
    {"semver.is_valid", "[\"01.2.3\"]", "false"},
    {"semver.is_valid", "[\"1.2\"]", "false"},
    {"semver.is_valid", "[\"1.2.3-01\"]", "false"},
    {"semver.is_valid", "[1]", "false"},
    {"semver.compare", "[\"1.2.3\", \"1.2.4\"]", "-1"},
    {"semver.compare", "[\"1.2.3-alpha\", \"1.2.3\"]", "-1"},
    {"semver.compare", "[\"1.2.3-alpha.1\", \"1.2.3-alpha.beta\"]", "-1"},
    {"semver.compare", "[\"1.2.3-alpha.10\", \"1.2.3-alpha.9\"]", "1"},
    {"semver.compare", "[\"1.2.3-alpha\", \"1.2.3-alpha.1\"]", "-1"},
    {"semver.compare", "[\"2.0.0\", \"1.9.9\"]", "1"},
    {"semver.compare", "[\"1.0.0+a\", \"1.0.0+b\"]", "0"},
    {
      "semver.compare",
      "[\"x\", \"1.0.0\"]",
      "!eval_builtin_error: semver.compare: operand 1: string \"x\" is not a valid SemVer"
    },
    {
      "semver.compare",
      "[\"1.0.0\", \"1.0\"]",
      "!eval_builtin_error: semver.compare: operand 2: string \"1.0\" is not a valid SemVer"
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
