package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * time.* builtins (Go layouts, zones, durations), against answers from real OPA 1.22.2 ({@code opa
 * eval --strict-builtin-errors} with the operands passed as input, so that type errors surface at
 * run time).
 */
class TimeTest {

  static final String[][] CASES = {
    {"time.parse_rfc3339_ns", "[\"2021-05-01T12:30:45Z\"]", "1619872245000000000"},
    {"time.parse_rfc3339_ns", "[\"2021-05-01T12:30:45.123456789+02:00\"]", "1619865045123456789"},
    {"time.parse_rfc3339_ns", "[\"2021-05-01T12:30:45.5-07:30\"]", "1619899245500000000"},
    {
      "time.parse_rfc3339_ns",
      "[\"2021-05-01 12:30:45Z\"]",
      "!eval_builtin_error: time.parse_rfc3339_ns: parsing time \"2021-05-01 12:30:45Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \" 12:30:45Z\" as \"T\""
    },
    {
      "time.parse_rfc3339_ns",
      "[\"2021-13-01T12:30:45Z\"]",
      "!eval_builtin_error: time.parse_rfc3339_ns: parsing time \"2021-13-01T12:30:45Z\": month out of range"
    },
    {
      "time.parse_rfc3339_ns",
      "[\"2021-05-01T12:30:45Zjunk\"]",
      "!eval_builtin_error: time.parse_rfc3339_ns: parsing time \"2021-05-01T12:30:45Zjunk\": extra text: \"junk\""
    },
    {
      "time.parse_rfc3339_ns",
      "[\"1677-09-21T00:12:43.145224191Z\"]",
      "!eval_builtin_error: time.parse_rfc3339_ns: time outside of valid range"
    },
    {"time.parse_ns", "[\"2006-01-02\", \"2021-05-01\"]", "1619827200000000000"},
    {"time.parse_ns", "[\"RFC1123Z\", \"Sat, 01 May 2021 12:30:45 +0200\"]", "1619865045000000000"},
    {
      "time.parse_ns",
      "[\"Jan _2 15:04:05.000 2006\", \"May  1 12:30:45.123 2021\"]",
      "1619872245123000000"
    },
    {
      "time.parse_ns",
      "[\"3:04PM\", \"1:05PM\"]",
      "!eval_builtin_error: time.parse_ns: time outside of valid range"
    },
    {
      "time.parse_ns",
      "[\"2006-01-02\", \"2021-02-30\"]",
      "!eval_builtin_error: time.parse_ns: parsing time \"2021-02-30\": day out of range"
    },
    {
      "time.parse_ns",
      "[\"2006-01-02\", \"21-05-01\"]",
      "!eval_builtin_error: time.parse_ns: parsing time \"21-05-01\" as \"2006-01-02\": cannot parse \"21-05-01\" as \"2006\""
    },
    {
      "time.parse_ns",
      "[\"Monday, January 2 2006\", \"Saturday, May 1 2021\"]",
      "1619827200000000000"
    },
    {"time.parse_duration_ns", "[\"1h30m\"]", "5400000000000"},
    {"time.parse_duration_ns", "[\"1.5s\"]", "1500000000"},
    {"time.parse_duration_ns", "[\"-2m3.5s\"]", "-123500000000"},
    {"time.parse_duration_ns", "[\"300ms\"]", "300000000"},
    {"time.parse_duration_ns", "[\"1d\"]", "86400000000000"},
    {"time.parse_duration_ns", "[\"1w2d3h\"]", "788400000000000"},
    {"time.parse_duration_ns", "[\"1.5y\"]", "47304000000000000"},
    {"time.parse_duration_ns", "[\"0\"]", "0"},
    {
      "time.parse_duration_ns",
      "[\"1\"]",
      "!eval_builtin_error: time.parse_duration_ns: time: missing unit in duration \"1\""
    },
    {
      "time.parse_duration_ns",
      "[\"1x\"]",
      "!eval_builtin_error: time.parse_duration_ns: time: unknown unit \"x\" in duration \"1x\""
    },
    {
      "time.parse_duration_ns",
      "[\"abc\"]",
      "!eval_builtin_error: time.parse_duration_ns: time: invalid duration \"abc\""
    },
    {
      "time.parse_duration_ns",
      "[\"\"]",
      "!eval_builtin_error: time.parse_duration_ns: time: invalid duration \"\""
    },
    {"time.parse_duration_ns", "[\"10\u00b5s\"]", "10000"},
    {
      "time.parse_duration_ns",
      "[\"3000000h\"]",
      "!eval_builtin_error: time.parse_duration_ns: time: invalid duration \"3000000h\""
    },
    {"time.format", "[1620000000123456789]", "\"2021-05-03T00:00:00.123456789Z\""},
    {
      "time.format",
      "[[1620000000123456789, \"America/New_York\"]]",
      "\"2021-05-02T20:00:00.123456789-04:00\""
    },
    {
      "time.format",
      "[[1620000000000000000, \"Europe/Paris\", \"Monday, 02-Jan-06 15:04:05 MST .000 pm\"]]",
      "\"Monday, 03-May-21 02:00:00 CEST .000 am\""
    },
    {"time.format", "[[1620000000000000000, \"UTC\", \"RFC822\"]]", "\"03 May 21 00:00 UTC\""},
    {
      "time.format",
      "[[1620000000000000000, \"Asia/Kolkata\", \"2006-01-02T15:04:05-07:00 Z07 __2 002 Jan 1 _2 3\"]]",
      "\"2021-05-03T05:30:00+05:30 +05 123 123 May 5  3 5\""
    },
    {
      "time.format",
      "[[1620000000000000000, \"Nowhere/Zone\"]]",
      "!eval_builtin_error: time.format: unknown time zone Nowhere/Zone"
    },
    {
      "time.format",
      "[\"x\"]",
      "!eval_type_error: time.format: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string"
    },
    {"time.date", "[1620000000000000000]", "[2021,5,3]"},
    {"time.date", "[[1620000000000000000, \"Pacific/Kiritimati\"]]", "[2021,5,3]"},
    {"time.clock", "[1620000000000000000]", "[0,0,0]"},
    {"time.weekday", "[1620000000000000000]", "\"Monday\""},
    {"time.weekday", "[-1]", "\"Wednesday\""},
    {"time.add_date", "[1612051200000000000, 0, 1, 0]", "1614729600000000000"},
    {"time.add_date", "[1620000000000000000, 1, -13, 40]", "1620864000000000000"},
    {"time.diff", "[1620000000000000000, 1600000000000000000]", "[0,7,19,11,33,20]"},
    {
      "time.diff",
      "[[1620000000000000000, \"Europe/Paris\"], 1000000000000000000]",
      "[19,7,23,22,13,20]"
    },
    {"time.date", "[1.5e18]", "[2017,7,14]"},
    {"time.date", "[1e30]", "!eval_builtin_error: time.date: timestamp too big"},
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
