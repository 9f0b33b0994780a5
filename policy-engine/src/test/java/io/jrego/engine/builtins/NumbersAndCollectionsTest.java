package io.jrego.engine.builtins;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Arithmetic, comparison, bits, ranges, aggregates, arrays, objects, casts and type tests, against
 * answers from real OPA 1.22.2 ({@code opa eval --strict-builtin-errors} with the operands passed
 * as input, so that type errors surface at run time).
 */
class NumbersAndCollectionsTest {

  static final String[][] CASES = {
    {"plus", "[1, 2]", "3"},
    {"plus", "[0.1, 0.2]", "0.3"},
    {"plus", "[1.5, \"a\"]", "!eval_type_error: plus: operand 2 must be number but got string"},
    {"plus", "[9223372036854775807, 1]", "9223372036854775808"},
    {
      "plus",
      "[1e300, 1e300]",
      "2000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    },
    {"plus", "[1234567.5, 0.25]", "1.23456775e+06"},
    {"plus", "[12345678901234567891, 0.5]", "12345678901234567892"},
    {"plus", "[-0.1, 0.1]", "0"},
    {"minus", "[5, 7]", "-2"},
    {"minus", "[0.3, 0.1]", "0.20000000000000000002"},
    {"minus", "[1, \"a\"]", "!eval_type_error: minus: operand 2 must be number but got string"},
    {
      "minus",
      "[\"a\", 1]",
      "!eval_type_error: minus: operand 1 must be one of {number, set} but got string"
    },
    {"mul", "[3, 4]", "12"},
    {"mul", "[1.5, 2]", "3"},
    {"mul", "[0.1, 3]", "0.3"},
    {"mul", "[1.5e30, 1.1]", "1650000000000000000100000000000"},
    {"mul", "[100000000000000000000, 3]", "300000000000000000000"},
    {"mul", "[1e-10, 1e-10]", "1e-20"},
    {"div", "[1, 3]", "0.33333333333333333334"},
    {"div", "[10, 4]", "2.5"},
    {"div", "[2, 3]", "0.6666666666666666667"},
    {"div", "[6, 3]", "2"},
    {"div", "[0, 5]", "0"},
    {"div", "[1, 0]", "!eval_builtin_error: div: divide by zero"},
    {"div", "[1.5, 0.0]", "!eval_builtin_error: div: divide by zero"},
    {"div", "[10000000000, 2]", "5000000000"},
    {"div", "[123456789012345678901234567890, 1]", "123456789012345678900000000000"},
    {"div", "[-7, 2]", "-3.5"},
    {"div", "[1e-10, 3]", "3.3333333333333333333e-11"},
    {"rem", "[7, 3]", "1"},
    {"rem", "[-7, 3]", "-1"},
    {"rem", "[7, 0]", "!eval_builtin_error: rem: modulo by zero"},
    {"rem", "[7, 2.5]", "!eval_builtin_error: rem: modulo on floating-point number"},
    {"rem", "[7.0, 2]", "1"},
    {"rem", "[100000000000000000007, 10]", "7"},
    {"abs", "[-5]", "5"},
    {"abs", "[-1.5]", "1.5"},
    {"abs", "[-12345678901234567891.5]", "12345678901234567892"},
    {"round", "[2.5]", "3"},
    {"round", "[-2.5]", "-3"},
    {"round", "[2.4]", "2"},
    {"round", "[12345678901234567891]", "12345678901234567892"},
    {"ceil", "[1.2]", "2"},
    {"ceil", "[-1.2]", "-1"},
    {"floor", "[-1.2]", "-2"},
    {"floor", "[1.8]", "1"},
    {"floor", "[\"x\"]", "!eval_type_error: floor: operand 1 must be number but got string"},
    {"equal", "[1, 1.0]", "true"},
    {"neq", "[1, 2]", "true"},
    {"lt", "[1, \"a\"]", "true"},
    {"gt", "[[1], {\"a\": 1}]", "false"},
    {"lte", "[null, false]", "true"},
    {"gte", "[2, 2]", "true"},
    {"bits.and", "[12, 10]", "8"},
    {"bits.or", "[12, 10]", "14"},
    {"bits.xor", "[12, 10]", "6"},
    {"bits.negate", "[5]", "-6"},
    {"bits.lsh", "[1, 70]", "1180591620717411303424"},
    {"bits.rsh", "[-16, 2]", "-4"},
    {
      "bits.lsh",
      "[1, -1]",
      "!eval_type_error: bits.lsh: operand 2 must be an unsigned integer number but got a negative integer"
    },
    {
      "bits.and",
      "[1.5, 1]",
      "!eval_type_error: bits.and: operand 1 must be integer number but got floating-point number"
    },
    {
      "bits.and",
      "[\"a\", 1]",
      "!eval_type_error: bits.and: operand 1 must be integer but got string"
    },
    {"numbers.range", "[1, 5]", "[1,2,3,4,5]"},
    {"numbers.range", "[5, 1]", "[5,4,3,2,1]"},
    {
      "numbers.range",
      "[1, 1.5]",
      "!eval_type_error: numbers.range: operand 2 must be integer number but got floating-point number"
    },
    {"numbers.range_step", "[0, 10, 3]", "[0,3,6,9]"},
    {"numbers.range_step", "[10, 0, 3]", "[10,7,4,1]"},
    {
      "numbers.range_step",
      "[0, 10, 0]",
      "!eval_builtin_error: numbers.range_step: numbers.range_step: step must be a positive integer"
    },
    {
      "numbers.range_step",
      "[0, 10, -1]",
      "!eval_builtin_error: numbers.range_step: numbers.range_step: step must be a positive integer"
    },
    {"count", "[\"h\u00e9llo\"]", "5"},
    {"count", "[[1, 2]]", "2"},
    {"count", "[{\"a\": 1}]", "1"},
    {
      "count",
      "[null]",
      "!eval_type_error: count: operand 1 must be one of {array, object, set, string} but got null"
    },
    {"sum", "[[1, 2, 3]]", "6"},
    {"sum", "[[1, 2.5]]", "3.5"},
    {"sum", "[[0.1, 0.2, 0.3]]", "0.6"},
    {"sum", "[[9223372036854775807, 1]]", "9223372036854775808"},
    {
      "sum",
      "[[1, \"a\"]]",
      "!eval_type_error: sum: operand 1 must be array of numbers but got array containing string"
    },
    {"sum", "[[]]", "0"},
    {
      "sum",
      "[\"x\"]",
      "!eval_type_error: sum: operand 1 must be one of {set, array} but got string"
    },
    {"product", "[[2, 3.5]]", "7"},
    {"product", "[[]]", "1"},
    {"product", "[[1000000000000, 1000000000000]]", "1000000000000000000000000"},
    {
      "product",
      "[[1, null]]",
      "!eval_type_error: product: operand 1 must be array of numbers but got array containing null"
    },
    {"max", "[[1, \"a\", null]]", "\"a\""},
    {"max", "[[]]", null},
    {"min", "[[3, 1, 2]]", "1"},
    {"min", "[[1, \"a\", null]]", "null"},
    {"sort", "[[3, \"a\", null, [1], {\"a\": 1}, 1]]", "[null,1,3,\"a\",[1],{\"a\":1}]"},
    {
      "sort",
      "[{\"a\": 1}]",
      "!eval_type_error: sort: operand 1 must be one of {set, array} but got object"
    },
    {"all", "[[true, true]]", "true"},
    {"all", "[[true, 1]]", "false"},
    {"all", "[[]]", "true"},
    {"any", "[[false, true]]", "true"},
    {"any", "[[]]", "false"},
    {
      "any",
      "[\"x\"]",
      "!eval_type_error: any: operand 1 must be one of {array, set} but got string"
    },
    {"array.concat", "[[1], [2, 3]]", "[1,2,3]"},
    {
      "array.concat",
      "[{}, [2, 3]]",
      "!eval_type_error: array.concat: operand 1 must be array but got object"
    },
    {"array.flatten", "[[1, [2, [3]], []]]", "[1,2,[3]]"},
    {"array.reverse", "[[1, 2, 3]]", "[3,2,1]"},
    {"array.slice", "[[1, 2, 3, 4], 1, 3]", "[2,3]"},
    {"array.slice", "[[1, 2, 3, 4], -1, 10]", "[1,2,3,4]"},
    {"array.slice", "[[1, 2, 3, 4], 3, 1]", "[]"},
    {"object.get", "[{\"a\": {\"b\": [1, 2]}}, [\"a\", \"b\", 1], \"d\"]", "2"},
    {"object.get", "[{\"a\": {\"b\": [1, 2]}}, [\"a\", \"c\"], \"d\"]", "\"d\""},
    {"object.get", "[{\"a\": 1}, \"a\", \"d\"]", "1"},
    {"object.get", "[{\"a\": 1}, [], \"d\"]", "{\"a\":1}"},
    {
      "object.get",
      "[\"x\", \"a\", \"d\"]",
      "!eval_type_error: object.get: operand 1 must be object but got string"
    },
    {"object.keys", "[{\"a\": 1, \"b\": 2}]", "[\"a\",\"b\"]"},
    {"object.remove", "[{\"a\": 1, \"b\": 2, \"c\": 3}, [\"a\", \"c\"]]", "{\"b\":2}"},
    {"object.remove", "[{\"a\": 1, \"b\": 2}, {\"b\": 0}]", "{\"a\":1}"},
    {
      "object.remove",
      "[{\"a\": 1}, \"a\"]",
      "!eval_type_error: object.remove: operand 2 must be one of {object, set, array} but got string"
    },
    {
      "object.filter",
      "[{\"a\": 1, \"b\": 2, \"c\": 3}, [\"a\", \"c\", \"z\"]]",
      "{\"a\":1,\"c\":3}"
    },
    {
      "object.union",
      "[{\"a\": {\"b\": 1, \"c\": 2}, \"d\": 1}, {\"a\": {\"b\": 3}, \"e\": 2}]",
      "{\"a\":{\"b\":3,\"c\":2},\"d\":1,\"e\":2}"
    },
    {"object.union", "[{\"a\": {\"b\": 1}}, {\"a\": 5}]", "{\"a\":5}"},
    {
      "object.union_n",
      "[[{\"a\": {\"x\": 1}}, {\"a\": 2}, {\"a\": {\"y\": 1}}]]",
      "{\"a\":{\"y\":1}}"
    },
    {
      "object.union_n",
      "[[{\"a\": {\"x\": 1}}, {\"a\": {\"y\": 1}}, {\"b\": 1}]]",
      "{\"a\":{\"x\":1,\"y\":1},\"b\":1}"
    },
    {
      "object.union_n",
      "[[{\"a\": 1}, 2]]",
      "!eval_type_error: object.union_n: operand 1 must be array of objects but got array containing number"
    },
    {"object.union_n", "[[]]", "{}"},
    {"object.subset", "[{\"a\": {\"b\": [1, 2, 3]}, \"c\": 1}, {\"a\": {\"b\": [2, 3]}}]", "true"},
    {"object.subset", "[[1, 2, 3, 4], [2, 4]]", "false"},
    {"object.subset", "[[1, 2, 3, 4], [2, 3]]", "true"},
    {
      "object.subset",
      "[{\"a\": 1}, [1]]",
      "!eval_type_error: object.subset: both arguments object.subset must be of the same type or array and set"
    },
    {"cast_array", "[[1]]", "[1]"},
    {
      "cast_string", "[1]", "!eval_type_error: cast_string: operand 1 must be string but got number"
    },
    {"is_number", "[1]", "true"},
    {"is_string", "[1]", "false"},
    {"is_null", "[null]", "true"},
    {"type_name", "[{\"a\": 1}]", "\"object\""},
    {"type_name", "[1.5]", "\"number\""},
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
