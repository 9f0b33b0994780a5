package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.builtins.ai.ValueStarts;
import java.util.Set;
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

  private static final ValueStarts SECRETS =
      ValueStarts.of(PiiType.resolve("secret").orElseThrow());

  /** Each case {@code gone|held}: whether the held text may hold a value of {@code starts}. */
  private static void mayHold(ValueStarts starts, boolean expected, String... cases) {
    for (String c : cases) {
      int bar = c.indexOf('|');
      String text = c.substring(0, bar) + c.substring(bar + 1);
      assertThat(SafePrefix.mayHold(text, bar, starts))
          .as("%s", c.replace("\n", "\\n"))
          .isEqualTo(expected);
    }
  }

  @Test
  void heldText_mayHoldAKey_whenAFixedStartIsInIt_orItEndsInsideOne() {
    mayHold(
        SECRETS,
        true,
        "your key is |AKIA",
        "your key is |A", // AKIA, ASIA, AIza ...
        "your key is |s",
        "your key is |sk",
        "your key is |sk-pr",
        "token |ghp_wWPw5k4a",
        "say |\"xoxb-12",
        "see |e",
        "see |eyJhbGciOi",
        "|-----BEG",
        "key:\n|-----BEGIN RSA PRIVATE KEY-----\nMIIE",
        "post to |hooks.sla");
    mayHold(
        SECRETS,
        false,
        "your key is |",
        "your key |is ",
        "the quick brown fox |0,",
        "I will |ask", // "sk" inside a word: the scanner tries no key there
        "the |desk",
        "the |Sky", // a capital: not sk-
        "answer |42",
        "please |see",
        "the key is AKIAIOSFODNN7EXAMPLE, keep |it safe"); // the key has gone: judged
  }

  @Test
  void heldText_mayHoldAnAssignedSecret_onceItsValueHasBegun() {
    mayHold(
        SECRETS,
        true,
        "use |password=hu",
        "use |password: hunter2",
        "use |postgres://app:Sup3r",
        "Authorization: |Bearer abc",
        "{\"client_secret\": |\"Zk2p");
    mayHold(SECRETS, false, "use |password: ", "use |password=", "a |ratio");
  }

  @Test
  void heldText_underAPersonalDataBlock_holdsWhatIsNotPlain() {
    ValueStarts email = ValueStarts.of(Set.of(PiiType.EMAIL));
    mayHold(email, true, "write to |jane", "write to |jane.doe@exa", "write to |bob@x.org and");
    mayHold(email, false, "write to |jane ", "write |to ");
    ValueStarts card = ValueStarts.of(Set.of(PiiType.CARD));
    mayHold(card, true, "the quick brown fox |0,", "card |4111 1111");
    mayHold(card, false, "the quick brown |fox", "the quick brown |fox ", "|sk");
  }
}
