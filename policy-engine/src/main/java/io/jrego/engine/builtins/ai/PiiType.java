package io.jrego.engine.builtins.ai;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link PiiScanner} finds. Each type has a stable snake_case {@link #id()} (what policies
 * name in {@code types} and read in results) and a placeholder label, its id in upper case ({@code
 * <EMAIL_1>}, {@code <CARD_2>}).
 */
public enum PiiType {
  /** An e-mail address (structure and a letters-only top-level domain). */
  EMAIL("email", Group.CONTACT),
  /** A phone number that libphonenumber accepts as valid for its region. */
  PHONE("phone", Group.CONTACT),
  /** An IPv4 or IPv6 address. */
  IP("ip", Group.CONTACT),
  /** A payment card number: issuer range and length, and the Luhn check. */
  CARD("card", Group.FINANCIAL),
  /** An IBAN: country length and format, and the ISO 7064 mod-97 check. */
  IBAN("iban", Group.FINANCIAL),
  /** A US social security number that obeys the SSA's area, group and serial rules. */
  US_SSN("us_ssn", Group.NATIONAL_ID),
  /** A UK National Insurance number (valid prefix letters and suffix; no check digit exists). */
  UK_NINO("uk_nino", Group.NATIONAL_ID),
  /** A UK NHS number (mod-11 check digit). */
  UK_NHS("uk_nhs", Group.NATIONAL_ID),
  /** A German tax identification number, Steuer-IdNr (digit rule and ISO 7064 MOD 11,10). */
  DE_TAX_ID("de_tax_id", Group.NATIONAL_ID),
  /** A French social security number, NIR (structure and the 97-modulus key). */
  FR_NIR("fr_nir", Group.NATIONAL_ID),
  /** A Spanish DNI/NIF of a person (check letter). */
  ES_DNI("es_dni", Group.NATIONAL_ID),
  /** A Spanish foreigner's number, NIE (check letter). */
  ES_NIE("es_nie", Group.NATIONAL_ID),
  /** An Italian codice fiscale (structure and check character). */
  IT_FISCAL_CODE("it_fiscal_code", Group.NATIONAL_ID),
  /** A Dutch citizen service number, BSN (the "elfproef"). */
  NL_BSN("nl_bsn", Group.NATIONAL_ID),
  /** An Indian Aadhaar number (Verhoeff check digit). */
  IN_AADHAAR("in_aadhaar", Group.NATIONAL_ID),
  /** An AWS access key id (AKIA..., ASIA...). */
  AWS_ACCESS_KEY("aws_access_key", Group.SECRET),
  /** A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_); classic ones carry a CRC32. */
  GITHUB_TOKEN("github_token", Group.SECRET),
  /** A GitLab token (glpat-, gldt-, glrt-, ...). */
  GITLAB_TOKEN("gitlab_token", Group.SECRET),
  /** A Slack token (xoxb-, xoxp-, xapp-, ...) or incoming-webhook URL. */
  SLACK_TOKEN("slack_token", Group.SECRET),
  /** A Stripe secret or restricted key (sk_live_, rk_live_, ...) or webhook secret. */
  STRIPE_KEY("stripe_key", Group.SECRET),
  /** An OpenAI API key (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-). */
  OPENAI_KEY("openai_key", Group.SECRET),
  /** An Anthropic API key (sk-ant-api03-, sk-ant-admin01-, ...). */
  ANTHROPIC_KEY("anthropic_key", Group.SECRET),
  /** A Google API key (AIza...), OAuth access token (ya29.) or client secret (GOCSPX-). */
  GOOGLE_TOKEN("google_token", Group.SECRET),
  /** A PEM private-key block, from BEGIN to END. */
  PRIVATE_KEY("private_key", Group.SECRET),
  /** A JSON Web Token whose header is base64url JSON naming an {@code alg}. */
  JWT("jwt", Group.SECRET),
  /**
   * The value of an assignment to a secret-sounding name ({@code api_key=...}, {@code "password":
   * "..."}, {@code Authorization: Bearer ...}) that is random enough to be a credential.
   */
  GENERIC_SECRET("generic_secret", Group.SECRET);

  /** Groups that {@code types} may name instead of listing every type. */
  public enum Group {
    CONTACT("contact"),
    FINANCIAL("financial"),
    NATIONAL_ID("national_id"),
    SECRET("secret");

    private final String id;

    Group(String id) {
      this.id = id;
    }

    /** The name policies use: {@code contact}, {@code financial}, {@code national_id}. */
    public String id() {
      return id;
    }
  }

  private final String id;
  private final Group group;
  private final String label;

  PiiType(String id, Group group) {
    this.id = id;
    this.group = group;
    this.label = id.toUpperCase(Locale.ROOT);
  }

  /** The stable name, e.g. {@code card}, {@code us_ssn}. */
  public String id() {
    return id;
  }

  /** The group it belongs to. */
  public Group group() {
    return group;
  }

  /** The placeholder label: the id in upper case, e.g. {@code CARD}. */
  public String label() {
    return label;
  }

  /** Whether this is a credential rather than personal data. */
  public boolean isSecret() {
    return group == Group.SECRET;
  }

  /** The type called {@code id}. */
  public static Optional<PiiType> byId(String id) {
    for (PiiType t : values()) {
      if (t.id.equals(id)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * The types a name stands for: one type by its id, a group by its name ({@code national_id},
   * {@code secret}, ...), {@code pii} for every type that is not a secret, {@code all} for all.
   */
  public static Optional<Set<PiiType>> resolve(String name) {
    Optional<PiiType> one = byId(name);
    if (one.isPresent()) {
      return Optional.of(EnumSet.of(one.get()));
    }
    switch (name) {
      case "all" -> {
        return Optional.of(EnumSet.allOf(PiiType.class));
      }
      case "pii" -> {
        EnumSet<PiiType> s = EnumSet.noneOf(PiiType.class);
        for (PiiType t : values()) {
          if (!t.isSecret()) {
            s.add(t);
          }
        }
        return Optional.of(s);
      }
      default -> {
        for (Group g : Group.values()) {
          if (g.id.equals(name)) {
            EnumSet<PiiType> s = EnumSet.noneOf(PiiType.class);
            for (PiiType t : values()) {
              if (t.group == g) {
                s.add(t);
              }
            }
            return Optional.of(s);
          }
        }
        return Optional.empty();
      }
    }
  }
}
