package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The validation rules against python-stdnum, an independent implementation of the same published
 * rules: {@code id-samples.json} (written by {@code generate_id_samples.py}) holds 60 identifiers
 * stdnum accepts and 60 it rejects per kind.
 */
class ChecksumsTest {

  private static ObjectValue samples() throws IOException {
    try (InputStream in = ChecksumsTest.class.getResourceAsStream("id-samples.json")) {
      return (ObjectValue) Json.parse(in);
    }
  }

  private static Predicate<String> rule(String kind) {
    return switch (kind) {
      case "us_ssn" -> NationalIds::usSsn;
      case "uk_nhs" -> NationalIds::ukNhs;
      case "de_tax_id" -> NationalIds::deTaxId;
      case "fr_nir" -> NationalIds::frNir;
      case "es_dni" -> s -> NationalIds.esDni(s.substring(0, 8), s.charAt(8));
      case "es_nie" -> s -> NationalIds.esNie(s.charAt(0), s.substring(1, 8), s.charAt(8));
      case "it_fiscal_code" -> NationalIds::itFiscalCode;
      case "nl_bsn" -> NationalIds::nlBsn;
      case "in_aadhaar" -> NationalIds::inAadhaar;
      case "iban" -> Ibans::valid;
      case "luhn" -> Checksums::luhn;
      default -> throw new AssertionError("no rule for " + kind);
    };
  }

  @Test
  void rules_agreeWithPythonStdnumOnEverySample() throws IOException {
    List<String> disagreements = new ArrayList<>();
    int checked = 0;
    for (Value k : (ArrayValue) samples().get("kinds").orElseThrow()) {
      ObjectValue kind = (ObjectValue) k;
      String name = ((StringValue) kind.get("kind").orElseThrow()).value();
      Predicate<String> rule = rule(name);
      for (String label : List.of("valid", "invalid")) {
        ArrayValue items = (ArrayValue) kind.get(label).orElseThrow();
        assertThat(items.size()).as(name + " " + label).isGreaterThanOrEqualTo(50);
        for (Value v : items) {
          String s = ((StringValue) v).value();
          checked++;
          if (rule.test(s) != label.equals("valid")) {
            disagreements.add(name + " " + s + " stdnum says " + label);
          }
        }
      }
    }
    assertThat(checked).isEqualTo(11 * 120);
    assertThat(disagreements).isEmpty();
  }

  @Test
  void publishedExamples_validate() {
    assertThat(Checksums.luhn("4111111111111111")).isTrue();
    assertThat(Checksums.luhn("4111111111111112")).isFalse();
    assertThat(Ibans.valid("GB82WEST12345698765432")).isTrue();
    assertThat(Ibans.valid("DE89370400440532013000")).isTrue();
    assertThat(Ibans.valid("DE89370400440532013001")).isFalse();
    assertThat(Ibans.valid("GB82WEST1234569876543")).as("one digit short").isFalse();
    assertThat(NationalIds.ukNhs("9434765919")).isTrue();
    assertThat(NationalIds.usSsn("078051120")).as("the Woolworth card").isFalse();
    assertThat(NationalIds.usSsn("666123456")).isFalse();
    assertThat(NationalIds.usSsn("900123456")).isFalse();
    assertThat(NationalIds.usSsn("123004567")).isFalse();
    assertThat(NationalIds.usSsn("536221234")).isTrue();
    assertThat(NationalIds.ukNino("AB123456C")).isTrue();
    assertThat(NationalIds.ukNino("GB123456C")).as("GB is not allocated").isFalse();
    assertThat(NationalIds.ukNino("AB123456E")).as("suffix beyond D").isFalse();
    assertThat(NationalIds.itFiscalCode("RSSMRA85T10A562S")).isTrue();
    assertThat(NationalIds.esDni("12345678", 'Z')).isTrue();
    assertThat(NationalIds.esNie('X', "1234567", 'L')).isTrue();
    assertThat(Checksums.verhoeff("2363")).isTrue();
    assertThat(Secrets.githubChecksum("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")).isTrue();
    assertThat(Secrets.githubChecksum("ghp_wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUy")).isFalse();
  }
}
