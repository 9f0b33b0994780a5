package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.call;
import static io.jrego.engine.builtins.BuiltinCalls.json;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.SetValue;
import org.junit.jupiter.api.Test;

/** Expected texts are real OPA 1.22.2 output. */
class YamlBuiltinsTest {

  private static String cat(String... parts) {
    return String.join("", parts);
  }

  private static String marshal(String jsonText) throws BuiltinException {
    return ((io.jrego.engine.value.StringValue) call("yaml.marshal", json(jsonText))).value();
  }

  @Test
  void marshal_sortsKeysNaturallyAndIndentsSequencesUnderKeys() throws Exception {
    assertThat(
            marshal(
                cat(
                    "{\"b\": [1, 2.5, \"x\", null, true, {\"z\": 1, \"a\": \"yes\"}], \"e\": [],",
                    " \"o\": {}}")))
        .isEqualTo(
            "b:\n  - 1\n  - 2.5\n  - x\n  - null\n  - true\n  - a: \"yes\"\n    z: 1\ne: []\no: {}\n");
    assertThat(
            marshal(
                cat(
                    "{\"1\": 1, \"10\": 2, \"2\": 3, \"a\": 4, \"B\": 5, \"_\": 6, \"a1\": 7,",
                    " \"a01\": 8, \"a10\": 9, \"a9\": 10, \"\": 11}")))
        .isEqualTo(
            "\"\": 11\n_: 6\n\"1\": 1\n\"2\": 3\n\"10\": 2\nB: 5\na: 4\na1: 7\na01: 8\na9: 10\na10: 9\n");
    assertThat(marshal("[[1, 2], [3]]")).isEqualTo("- - 1\n  - 2\n- - 3\n");
    assertThat(marshal("{\"k\": [[1], {\"a\": [2]}]}"))
        .isEqualTo("k:\n  - - 1\n  - a:\n      - 2\n");
  }

  @Test
  void marshal_quotesStringsGoWouldReadAsOtherTypes() throws Exception {
    assertThat(
            marshal(
                cat(
                    "[\"null\", \"~\", \"\", \"123\", \"true\", \"y\", \"on\", \"0x1F\", \"1e3\",",
                    " \"2001-01-01\", \"1:20\", \"-1\", \".5\", \"0755\", \"1_000\"]")))
        .isEqualTo(
            cat(
                "- \"null\"\n- \"~\"\n- \"\"\n- \"123\"\n- \"true\"\n- \"y\"\n- \"on\"\n- \"0x1F\"\n",
                "- \"1e3\"\n- \"2001-01-01\"\n- \"1:20\"\n- \"-1\"\n- \".5\"\n- \"0755\"\n- \"1_000\"\n"));
  }

  @Test
  void marshal_picksLibyamlScalarStyles() throws Exception {
    assertThat(
            marshal(
                cat(
                    "[\"- a\", \"a: b\", \" lead\", \"#x\", \"x #y\", \"'q'\", \"trail \", \"a,b\",",
                    " \"a:b\", \"tab\\there\", \"\\u00e9\\u0001\", \"\\ud83d\\ude00\", \"\u00fcn\u00ef\"]")))
        .isEqualTo(
            cat(
                "- '- a'\n- 'a: b'\n- ' lead'\n- '#x'\n- 'x #y'\n- '''q'''\n- 'trail '\n- a,b\n",
                "- a:b\n- \"tab\\there\"\n- \"\u00e9\\x01\"\n- \"\\U0001F600\"\n- \u00fcn\u00ef\n"));
  }

  @Test
  void marshal_writesMultilineStringsAsLiteralBlocks() throws Exception {
    assertThat(
            marshal(
                cat(
                    "{\"k\": \"multi\\nline\\n\", \"k2\": \"a\\n\\nb\", \"k3\": \" x\\ny\",",
                    " \"k4\": \"x\\ny \", \"k5\": \"\\n\", \"k6\": \"x\\n\\n\", \"k7\": \"x\\ty\\nz\"}")))
        .isEqualTo(
            cat(
                "k: |\n  multi\n  line\nk2: |-\n  a\n\n  b\nk3: |2-\n   x\n  y\nk4: \"x\\ny \"\n",
                "k5: |2+\n\nk6: |+\n  x\n\nk7: |-\n  x\ty\n  z\n"));
    assertThat(marshal("\"multi\\nline\"")).isEqualTo("|-\n  multi\n  line\n");
  }

  @Test
  void marshal_writesNumbersAsGoFloat64OrInteger() throws Exception {
    assertThat(
            marshal(
                cat(
                    "[100000000000000000000000, 18446744073709551615, 18446744073709551616,",
                    " 3.14159265358979323846, 0.1, 1e-7, 123456789012345678.5, 2.0, 1e20, 1.0e-320]")))
        .isEqualTo(
            cat(
                "- 1e+23\n- 18446744073709551615\n- 1.8446744073709552e+19\n- 3.141592653589793\n",
                "- 0.1\n- 1e-07\n- 1.2345678901234568e+17\n- 2\n- 1e+20\n- 1e-320\n"));
  }

  @Test
  void marshal_writesScalarsAndSetsAtTopLevel() throws Exception {
    assertThat(call("yaml.marshal", s("hello"))).isEqualTo(s("hello\n"));
    assertThat(call("yaml.marshal", NullValue.INSTANCE)).isEqualTo(s("null\n"));
    assertThat(call("yaml.marshal", json("[]"))).isEqualTo(s("[]\n"));
    assertThat(call("yaml.marshal", SetValue.of(NumberValue.of(2), NumberValue.of(1))))
        .isEqualTo(s("- 1\n- 2\n"));
  }

  @Test
  void unmarshal_typesPlainScalarsByGoRules() throws Exception {
    assertThat(
            call(
                "yaml.unmarshal",
                s(
                    cat(
                        "a: yes\nb: on\nd: 0x1F\ne: 0755\nf: 1e3\ng: 1_000\nh: ~\n",
                        "i: 2001-01-01\nk: 1:20\nl: 0o17\nm: True\nn: 12345678901234567890123\nv: 1.0\n",
                        "z: 08\naa: 0.0000001\ndd: 'quoted 1'\nq: !!str 12\nr: &a [1]\ns: *a\n1: int key\n"))))
        .isEqualTo(
            json(
                cat(
                    "{\"a\": \"yes\", \"b\": \"on\", \"d\": 31, \"e\": 493, \"f\": 1000, \"g\": 1000,",
                    " \"h\": null, \"i\": \"2001-01-01\", \"k\": \"1:20\", \"l\": 15, \"m\": true,",
                    " \"n\": 1.2345678901234568e+22, \"v\": 1, \"z\": 8, \"aa\": 1e-7,",
                    " \"dd\": \"quoted 1\", \"q\": \"12\", \"r\": [1], \"s\": [1], \"1\": \"int key\"}")));
  }

  @Test
  void unmarshal_takesTheFirstDocumentAndLastDuplicateKey() throws Exception {
    assertThat(call("yaml.unmarshal", s("---\na: 1\na: 2\n---\nb: 2\n")))
        .isEqualTo(json("{\"a\": 2}"));
    assertThat(call("yaml.unmarshal", s(""))).isEqualTo(NullValue.INSTANCE);
  }

  @Test
  void unmarshal_failsOnInfinityAndNullKeys() {
    assertThatThrownBy(() -> call("yaml.unmarshal", s("x: .inf")))
        .hasMessage("json: unsupported value: +Inf");
    assertThatThrownBy(() -> call("yaml.unmarshal", s("null: 1")))
        .hasMessage("unsupported map key of type: %!s(<nil>), key: <nil>, value: 1");
    assertThatThrownBy(() -> call("yaml.unmarshal", s("a: b: c"))).hasMessageStartingWith("yaml: ");
    assertThatThrownBy(() -> call("yaml.unmarshal", NumberValue.of(1)))
        .hasMessage("operand 1 must be string but got number");
  }

  @Test
  void isValid_answersFalseForWhatUnmarshalRejects() throws Exception {
    assertThat(call("yaml.is_valid", s("a: 1"))).isEqualTo(BooleanValue.TRUE);
    assertThat(call("yaml.is_valid", s(""))).isEqualTo(BooleanValue.TRUE);
    assertThat(call("yaml.is_valid", s("a: b: c"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("yaml.is_valid", s("[1, 2"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("yaml.is_valid", s("x: .inf"))).isEqualTo(BooleanValue.FALSE);
  }
}
