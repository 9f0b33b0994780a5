package io.jrego.server.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * SPIFFE IDs as the X.509-SVID specification has them: {@code spiffe://} and a trust domain of
 * lower-case letters, digits, {@code .}, {@code -} and {@code _}, then a path of non-empty segments
 * of letters, digits, {@code .}, {@code -} and {@code _} ({@code .} and {@code ..} are no
 * segments); no port, user, query or fragment. A leaf SVID carries exactly one URI SAN, this ID.
 */
final class SpiffeIds {

  private static final Pattern ID = Pattern.compile("spiffe://[a-z0-9._-]+(/[A-Za-z0-9._-]+)*");

  private static final int URI_SAN = 6;

  private SpiffeIds() {}

  /** Whether {@code s} is a well-formed SPIFFE ID. */
  static boolean valid(String s) {
    if (s.length() > 2048 || !ID.matcher(s).matches()) {
      return false;
    }
    for (String segment : s.substring("spiffe://".length()).split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  /** The SPIFFE ID of a leaf SVID: its only URI SAN, when that is a valid SPIFFE ID. */
  static Optional<String> ofCertificate(X509Certificate leaf) {
    Collection<List<?>> sans;
    try {
      sans = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (sans == null) {
      return Optional.empty();
    }
    String uri = null;
    for (List<?> san : sans) {
      if (san.size() == 2 && san.get(0) instanceof Integer type && type == URI_SAN) {
        if (uri != null) {
          return Optional.empty(); // an SVID has exactly one URI SAN
        }
        uri = String.valueOf(san.get(1));
      }
    }
    return uri != null && valid(uri) ? Optional.of(uri) : Optional.empty();
  }

  /** The trust domain of a valid ID. */
  static String trustDomain(String id) {
    String rest = id.substring("spiffe://".length());
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }
}
