package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Where {@link SafePrefix} ends the text that can go at once, for each kind of value the scanner
 * finds while it is still open. Each case is written {@code released|held}: the bar is where the
 * safe prefix must end.
 */
class SafePrefixTest {

  private static void releases(String... cases) {
    for (String c : cases) {
      int bar = c.indexOf('|');
      String text = c.substring(0, bar) + c.substring(bar + 1);
      assertThat(SafePrefix.end(text, 0)).as("%s", c.replace("\n", "\\n")).isEqualTo(bar);
    }
  }

  @Test
  void prose_goesUpToTheWordStillBeingWritten() {
    releases(
        "Sure, here is the answer to your |ques",
        "Hello! How can I help you |today?",
        "Straße naïve résumé 日本語の 😀 “quoted” (see) don't |stop",
        "|Hello ", // no chunk yet after it: a name ("password ") may still be followed by "="
        "|Hello");
  }

  @Test
  void aRunOfDigitsAndSeparators_isHeldUntilProseHasFollowedIt() {
    releases(
        "my card is |4111 1111",
        "my card is |4111 1111 1111 1111 ",
        "my card is |4111 1111 1111 1111 and", // a word may still become a digit group ("and1")
        "my card is |4111-1111-1111-1111, and then", // two words after: "then" has not ended
        "my card is 4111 1111 1111 1111 and then |more",
        "|call +44 20 7946 0958 now", // "+44" opens with a mark: linked to the word before
        "|call (0191) 496 0377 now please",
        "host |10.0.0.1 and",
        "the year 2024 was good and |long");
  }

  @Test
  void contextWordsAfterAValue_areWaitedFor() {
    // two words after a value can raise it: both must have ended (or 40 characters come)
    releases(
        "ref |111222333 is bsn",
        "ref 111222333 is bsn |and",
        "ref |111222333 -- (bsn",
        "ref 111222333" + " ".repeat(41) + "and |more");
  }

  @Test
  void identifiersInGroups_areHeldWhole() {
    releases(
        "|IBAN DE89 3704 0044 0532 0130 00 is", // "IBAN" is not plain either: one group
        "the IBAN is |GB82 WEST 1234 5698 7654 32 and", // "WEST": capitals past the first letter
        "my NINO is |AB 12 34 56 C is mine", // "C": a single capital
        "my NIE is |X1234567L and more",
        "my code is |RSSMRA85T10A562S and more");
  }

  @Test
  void openAddressesKeysAndPlaceholders_areHeld() {
    releases(
        "write to |bob@exa",
        "write to |bob@example.com, or",
        "see |https://user:pass@host/x and",
        "key |sk-proj-Ab3dEf6hIj9kLm2n",
        "key |AKIAIOSFODNN7EXA",
        "key |ghp_wWPw5k4aXcaT4fNP0",
        "key |xoxb-123456789012-",
        "key |eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJz",
        "back |to <EMAIL_", // "<" opens with a mark
        "back |to <EMAIL_1> and",
        "a well |known-thing is");
  }

  @Test
  void assignmentsAndAuthorization_holdTheNameWithTheValue() {
    releases(
        "set |password : hunter2",
        "set |password = \"q8Zr3vT9",
        "set |api_key=\"q8Zr3vT9",
        "the |password: sunshine is", // a plain word in a value's place is a value
        "the password: sunshine is what |you",
        "send |Authorization: Bearer abcdefghij1234567890",
        "send |Bearer abcdefghij1234567890KLMN and",
        "|as \"password\": \"x",
        "my |password "); // the operator may still come
  }

  @Test
  void aPrivateKeyBlock_isHeldToItsEndLine() {
    String body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\nplain words here and there\n";
    releases(
        "key:\n|-----BEGIN RSA PRIVATE KEY-----\n" + body + "and more words after it ",
        "key:\n|-----BEGIN some label words still coming and",
        "key:\n|-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIV",
        "key:\n-----BEGIN RSA PRIVATE KEY-----\n"
            + body
            + "-----END RSA PRIVATE KEY----- and more words |after",
        // a public key is no finding: its lines are read as any other text
        "key:\n-----BEGIN PUBLIC KEY-----\nabc and more words |after");
  }

  @Test
  void onlyTheTextFromWhereItWasLeft_isRead() {
    String text = "4111 1111 1111 1111 and then more";
    assertThat(SafePrefix.end(text, text.indexOf("and"))).isEqualTo(text.indexOf("more"));
    assertThat(SafePrefix.end("   ", 0)).isEqualTo(3);
    assertThat(SafePrefix.end("", 0)).isZero();
  }

  @Test
  void plainChunks_areLettersAndAFewMarks() {
    for (String p :
        new String[] {"hello", "Hello,", "(see)", "don't", "“quoted”", "naïve", "日本語の"}) {
      assertThat(SafePrefix.plain(p, 0, p.length())).as(p).isTrue();
    }
    for (String p :
        new String[] {
          "I", "IBAN", "iPhone", "x2", "a-b", "a_b", "a@b", "key:", "a=b", "<A>", "—"
        }) {
      assertThat(SafePrefix.plain(p, 0, p.length())).as(p).isFalse();
    }
  }
}
