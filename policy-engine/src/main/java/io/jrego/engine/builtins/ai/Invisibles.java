package io.jrego.engine.builtins.ai;

/**
 * Invisible and format characters: Unicode general categories Cf (format: zero-width characters,
 * bidi controls, the U+E0000 tag block), Co (private use) and Cn (unassigned), as LLM Guard's
 * InvisibleText scanner takes them. They are removed from every detection view and reported,
 * because their presence in a prompt is itself a signal (ASCII smuggling with tag characters,
 * Trojan-Source bidi overrides, words split by zero-width spaces).
 */
final class Invisibles {

  private Invisibles() {}

  /** The kinds reported, in the order of {@link #KIND_NAMES}. */
  static final int ZERO_WIDTH = 0;

  static final int BIDI = 1;
  static final int TAG = 2;
  static final int PRIVATE_USE = 3;
  static final int UNASSIGNED = 4;
  static final int OTHER_FORMAT = 5;
  static final int NOT_INVISIBLE = -1;

  static final String[] KIND_NAMES = {
    "zero_width", "bidi", "tag", "private_use", "unassigned", "other_format"
  };

  /** {@link #kindOf} for the Basic Multilingual Plane, computed once (64 KB). */
  private static final byte[] BMP = new byte[0x10000];

  static {
    for (int cp = 0; cp < BMP.length; cp++) {
      BMP[cp] = (byte) kindOf(cp);
    }
  }

  /** The kind of {@code cp}, or {@link #NOT_INVISIBLE}. */
  static int kind(int cp) {
    return cp < 0x10000 ? BMP[cp] : kindOf(cp);
  }

  private static int kindOf(int cp) {
    if (cp < 0xAD) {
      return NOT_INVISIBLE; // ASCII and Latin-1 controls (Cc) are not in Cf/Co/Cn
    }
    if (cp >= 0xE0000 && cp <= 0xE007F) {
      return TAG;
    }
    switch (cp) {
      case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E -> {
        return ZERO_WIDTH;
      }
      case 0x061C, 0x200E, 0x200F -> {
        return BIDI;
      }
      default -> {}
    }
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return BIDI;
    }
    return switch (Character.getType(cp)) {
      case Character.FORMAT -> OTHER_FORMAT;
      case Character.PRIVATE_USE -> PRIVATE_USE;
      case Character.UNASSIGNED -> UNASSIGNED;
      default -> NOT_INVISIBLE;
    };
  }

  /**
   * Whether the tag character at {@code i} belongs to an emoji flag sequence (U+1F3F4 followed by
   * tag characters and U+E007F CANCEL TAG, as in the flag of Scotland), the one legitimate use of
   * tag characters in text.
   */
  static boolean inEmojiFlag(int[] cps, int i) {
    int j = i;
    while (j > 0 && cps[j - 1] >= 0xE0020 && cps[j - 1] <= 0xE007E) {
      j--;
    }
    return j > 0 && cps[j - 1] == 0x1F3F4;
  }

  /** The ASCII character a tag character stands for (U+E0041 TAG LATIN CAPITAL LETTER A: 'A'). */
  static int tagToAscii(int cp) {
    return cp - 0xE0000;
  }
}
