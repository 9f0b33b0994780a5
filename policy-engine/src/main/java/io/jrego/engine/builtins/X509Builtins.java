package io.jrego.engine.builtins;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.jrego.engine.builtins.jose.JoseKeys;
import io.jrego.engine.builtins.net.IpAddrs;
import io.jrego.engine.builtins.operand.OperandChecks;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemBlock;
import io.jrego.engine.pem.PemException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * {@code crypto.x509.*} and {@code crypto.parse_private_keys}. Certificates are rendered in the
 * JSON shape Go gives an {@code x509.Certificate} (the fields policies use: names, validity, SANs,
 * key usages, extensions, raw DER), plus OPA's {@code URIStrings}.
 */
final class X509Builtins {

  private static final Map<String, Integer> SIGNATURE_ALGORITHMS =
      Map.ofEntries(
          Map.entry("1.2.840.113549.1.1.4", 2),
          Map.entry("1.2.840.113549.1.1.5", 3),
          Map.entry("1.2.840.113549.1.1.11", 4),
          Map.entry("1.2.840.113549.1.1.12", 5),
          Map.entry("1.2.840.113549.1.1.13", 6),
          Map.entry("1.2.840.10045.4.1", 9),
          Map.entry("1.2.840.10045.4.3.2", 10),
          Map.entry("1.2.840.10045.4.3.3", 11),
          Map.entry("1.2.840.10045.4.3.4", 12),
          Map.entry("1.2.840.113549.1.1.10", 13),
          Map.entry("1.3.101.112", 16));

  private static final List<String> EXT_KEY_USAGES =
      List.of(
          "2.5.29.37.0",
          "1.3.6.1.5.5.7.3.1",
          "1.3.6.1.5.5.7.3.2",
          "1.3.6.1.5.5.7.3.3",
          "1.3.6.1.5.5.7.3.4",
          "1.3.6.1.5.5.7.3.5",
          "1.3.6.1.5.5.7.3.6",
          "1.3.6.1.5.5.7.3.7",
          "1.3.6.1.5.5.7.3.8",
          "1.3.6.1.5.5.7.3.9",
          "1.3.6.1.4.1.311.10.3.3",
          "2.16.840.1.113730.4.1",
          "1.3.6.1.4.1.311.2.1.22",
          "1.3.6.1.4.1.311.61.1.1");

  /** Go's ExtKeyUsage names, by enum value, for the with_options KeyUsages option. */
  private static final List<String> EXT_KEY_USAGE_NAMES =
      List.of(
          "KeyUsageAny",
          "KeyUsageServerAuth",
          "KeyUsageClientAuth",
          "KeyUsageCodeSigning",
          "KeyUsageEmailProtection",
          "KeyUsageIPSECEndSystem",
          "KeyUsageIPSECTunnel",
          "KeyUsageIPSECUser",
          "KeyUsageTimeStamping",
          "KeyUsageOCSPSigning",
          "KeyUsageMicrosoftServerGatedCrypto",
          "KeyUsageNetscapeServerGatedCrypto",
          "KeyUsageMicrosoftCommercialCodeSigning",
          "KeyUsageMicrosoftKernelCodeSigning");

  private X509Builtins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
            "crypto.x509.parse_certificates(certs: string) => output: array[object[string: any]]"),
        X509Builtins::parseCertificates);
    r.add(
        Declaration.of(
            "crypto.x509.parse_and_verify_certificates(certs: string) => output: array<boolean, "
                + "array[object[string: any]]>"),
        (args, ctx) ->
            parseAndVerify(
                OperandChecks.string(args, 0),
                ObjectValue.of(
                    StringValue.of("KeyUsages"), ArrayValue.of(StringValue.of("KeyUsageAny"))),
                ctx));
    r.add(
        Declaration.of(
            "crypto.x509.parse_and_verify_certificates_with_options(certs: string, "
                + "options: object[string: any]) => output: array<boolean, "
                + "array[object[string: any]]>"),
        (args, ctx) ->
            parseAndVerify(OperandChecks.string(args, 0), OperandChecks.object(args, 1), ctx));
    r.add(
        Declaration.of(
            "crypto.x509.parse_certificate_request(csr: string) => output: object[string: any]"),
        X509Builtins::parseCsr);
    r.add(
        Declaration.of(
            "crypto.x509.parse_keypair(cert: string, "
                + "pem: string) => output: object[string: any]"),
        X509Builtins::parseKeypair);
    r.add(
        Declaration.of(
            "crypto.x509.parse_rsa_private_key(pem: string) => output: object[string: any]"),
        X509Builtins::parseRsaPrivateKey);
    r.add(
        Declaration.of(
            "crypto.parse_private_keys(keys: string) => output: array[object[string: any]]"),
        X509Builtins::parsePrivateKeys);
  }

  // ---------------------------------------------------------------------------------------------
  // Input: PEM, base64 of PEM, or base64 of DER

  /** The PEM text, or null when the input is base64 of DER (then {@code der[0]} is set). */
  private static String pemOrDer(String input, byte[][] der) throws BuiltinException {
    if (input.startsWith("-----BEGIN")) {
      return input;
    }
    byte[] raw;
    try {
      raw = JwtBuiltins.base64Decode(input, false);
    } catch (IllegalArgumentException e) {
      throw BuiltinException.error(e.getMessage());
    }
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    if (text.startsWith("-----BEGIN")) {
      return new String(raw, StandardCharsets.UTF_8);
    }
    der[0] = raw;
    return null;
  }

  static List<X509Certificate> certificates(String input) throws BuiltinException {
    byte[][] der = new byte[1][];
    String pem = pemOrDer(input, der);
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> out = new ArrayList<>();
      if (pem != null) {
        for (PemBlock b : Pem.decodeAll(pem)) {
          if (b.type().equals("CERTIFICATE")) {
            out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.bytes())));
          }
        }
        return out;
      }
      if (der[0].length == 0) {
        return out; // Go parses no bytes as no certificates
      }
      Collection<? extends java.security.cert.Certificate> certs =
          cf.generateCertificates(new ByteArrayInputStream(der[0]));
      if (certs.isEmpty()) {
        throw BuiltinException.error("x509: malformed certificate");
      }
      for (java.security.cert.Certificate c : certs) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error("x509: malformed certificate");
    }
  }

  private static Value parseCertificates(Value[] args, BuiltinContext ctx) throws BuiltinException {
    ArrayValue.Builder out = new ArrayValue.Builder();
    for (X509Certificate c : certificates(OperandChecks.string(args, 0))) {
      out.add(certificate(c));
    }
    return out.build();
  }

  // ---------------------------------------------------------------------------------------------
  // Chain verification

  @SuppressWarnings("JavaUtilDate") // X509Certificate.checkValidity takes a Date
  private static Value parseAndVerify(String input, ObjectValue options, BuiltinContext ctx)
      throws BuiltinException {
    ArrayValue invalid = ArrayValue.of(BooleanValue.FALSE, ArrayValue.EMPTY);
    List<X509Certificate> certs;
    try {
      certs = certificates(input);
    } catch (BuiltinException e) {
      return invalid;
    }
    if (certs.size() < 2) {
      return invalid;
    }
    long nowNanos = ctx.nowNanos();
    String dnsName = "";
    List<Integer> usages = List.of(1); // Go's default: server authentication
    for (Value k : options.keys()) {
      String name = k instanceof StringValue s ? s.value() : "";
      Value v = options.getOrNull(k);
      switch (name) {
        case "DNSName" -> dnsName = v instanceof StringValue s ? s.value() : "";
        case "CurrentTime" -> {
          if (v instanceof NumberValue n) {
            nowNanos = n.asLong().orElse(nowNanos);
          }
        }
        case "KeyUsages" -> {
          List<Integer> u = new ArrayList<>();
          for (Value e : OperandChecks.setOrArray(new Value[] {v}, 0)) {
            int idx = EXT_KEY_USAGE_NAMES.indexOf(e instanceof StringValue s ? s.value() : "");
            if (idx < 0) {
              throw BuiltinException.error("invalid entries for 'KeyUsages' found: " + e);
            }
            u.add(idx);
          }
          usages = u;
        }
        case "MaxConstraintComparisons" -> {}
        default -> throw BuiltinException.error("invalid key option: " + name);
      }
    }
    Date now = new Date(Math.floorDiv(nowNanos, 1_000_000L));
    // As OPA: the first certificate is the root, the last the leaf, the rest intermediates.
    // The chain is built from the leaf up, as Go's Verify does, and returned leaf first.
    X509Certificate root = certs.get(0);
    List<X509Certificate> pool = new ArrayList<>(certs.subList(1, certs.size() - 1));
    List<X509Certificate> chain = new ArrayList<>();
    X509Certificate cur = certs.get(certs.size() - 1);
    try {
      while (true) {
        cur.checkValidity(now);
        chain.add(cur);
        if (chain.size() > 1 && cur.getBasicConstraints() < 0) {
          return invalid; // every issuer must be a CA
        }
        if (issuedBy(cur, root)) {
          root.checkValidity(now);
          if (!cur.equals(root)) {
            chain.add(root);
          }
          break;
        }
        X509Certificate next = null;
        for (X509Certificate c : pool) {
          if (issuedBy(cur, c)) {
            next = c;
            break;
          }
        }
        if (next == null) {
          return invalid;
        }
        pool.remove(next);
        cur = next;
      }
    } catch (GeneralSecurityException e) {
      return invalid;
    }
    certs = chain;
    X509Certificate leaf = certs.get(0);
    if (!dnsName.isEmpty() && !matchesDns(leaf, dnsName)) {
      return invalid;
    }
    if (!usages.contains(0) && !hasUsage(leaf, usages)) {
      return invalid;
    }
    ArrayValue.Builder out = new ArrayValue.Builder();
    for (X509Certificate c : certs) {
      out.add(certificate(c));
    }
    return ArrayValue.of(BooleanValue.TRUE, out.build());
  }

  private static boolean issuedBy(X509Certificate c, X509Certificate issuer) {
    if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      c.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean hasUsage(X509Certificate leaf, List<Integer> wanted) {
    try {
      List<String> ext = leaf.getExtendedKeyUsage();
      if (ext == null || ext.contains(EXT_KEY_USAGES.get(0))) {
        return true;
      }
      for (int w : wanted) {
        if (ext.contains(EXT_KEY_USAGES.get(w))) {
          return true;
        }
      }
      return false;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean matchesDns(X509Certificate leaf, String host) {
    String h = host.toLowerCase(Locale.ROOT);
    for (String name : sans(leaf, GeneralName.dNSName)) {
      String n = name.toLowerCase(Locale.ROOT);
      if (n.equals(h)) {
        return true;
      }
      if (n.startsWith("*.")) {
        int dot = h.indexOf('.');
        if (dot > 0 && h.substring(dot).equals(n.substring(1))) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Go's JSON shape

  private static Value b64(byte[] b) {
    return b == null ? NullValue.INSTANCE : StringValue.of(Base64.getEncoder().encodeToString(b));
  }

  private static Value strings(List<String> list) {
    if (list.isEmpty()) {
      return NullValue.INSTANCE; // Go marshals a nil slice as null
    }
    return ArrayValue.of(list.stream().map(s -> (Value) StringValue.of(s)).toList());
  }

  private static Value oid(String dotted) {
    ArrayValue.Builder b = new ArrayValue.Builder();
    for (String part : dotted.split("\\.", -1)) {
      b.add(NumberValue.of(Long.parseLong(part)));
    }
    return b.build();
  }

  private static String time(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t);
  }

  /** Go's pkix.Name from DER. */
  static ObjectValue name(byte[] der) {
    X500Name x = X500Name.getInstance(der);
    List<String> country = new ArrayList<>();
    List<String> org = new ArrayList<>();
    List<String> ou = new ArrayList<>();
    List<String> locality = new ArrayList<>();
    List<String> province = new ArrayList<>();
    List<String> street = new ArrayList<>();
    List<String> postal = new ArrayList<>();
    String serial = "";
    String cn = "";
    ArrayValue.Builder names = new ArrayValue.Builder();
    for (RDN rdn : x.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        String type = atv.getType().getId();
        String value =
            atv.getValue() instanceof ASN1String s ? s.getString() : atv.getValue().toString();
        names.add(
            ObjectValue.of(StringValue.of("Type"), oid(type))
                .with(StringValue.of("Value"), StringValue.of(value)));
        switch (type) {
          case "2.5.4.3" -> cn = value;
          case "2.5.4.5" -> serial = value;
          case "2.5.4.6" -> country.add(value);
          case "2.5.4.7" -> locality.add(value);
          case "2.5.4.8" -> province.add(value);
          case "2.5.4.9" -> street.add(value);
          case "2.5.4.10" -> org.add(value);
          case "2.5.4.11" -> ou.add(value);
          case "2.5.4.17" -> postal.add(value);
          default -> {}
        }
      }
    }
    ArrayValue n = names.build();
    return new ObjectValue.Builder()
        .put("Country", strings(country))
        .put("Organization", strings(org))
        .put("OrganizationalUnit", strings(ou))
        .put("Locality", strings(locality))
        .put("Province", strings(province))
        .put("StreetAddress", strings(street))
        .put("PostalCode", strings(postal))
        .put("SerialNumber", StringValue.of(serial))
        .put("CommonName", StringValue.of(cn))
        .put("Names", n.isEmpty() ? NullValue.INSTANCE : n)
        .put("ExtraNames", NullValue.INSTANCE)
        .build();
  }

  private static List<String> sans(X509Certificate c, int tag) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> all = c.getSubjectAlternativeNames();
      if (all != null) {
        for (List<?> e : all) {
          if (((Integer) e.get(0)) == tag && e.get(1) instanceof String s) {
            out.add(s);
          }
        }
      }
    } catch (GeneralSecurityException e) {
      // unparseable SANs: report none
    }
    return out;
  }

  private static Value publicKey(PublicKey k) {
    return switch (k) {
      case RSAPublicKey r ->
          ObjectValue.of(StringValue.of("N"), NumberValue.of(r.getModulus()))
              .with(StringValue.of("E"), NumberValue.of(r.getPublicExponent()));
      case ECPublicKey e ->
          ObjectValue.of(StringValue.of("X"), NumberValue.of(e.getW().getAffineX()))
              .with(StringValue.of("Y"), NumberValue.of(e.getW().getAffineY()));
      default -> b64(k.getEncoded());
    };
  }

  private static int publicKeyAlgorithm(PublicKey k) {
    return switch (k.getAlgorithm()) {
      case "RSA" -> 1;
      case "DSA" -> 2;
      case "EC" -> 3;
      case "Ed25519", "EdDSA" -> 4;
      default -> 0;
    };
  }

  private static ObjectValue certificate(X509Certificate c) throws BuiltinException {
    try {
      ObjectValue.Builder o = new ObjectValue.Builder();
      byte[] raw = c.getEncoded();
      o.put("Raw", b64(raw));
      o.put("RawTBSCertificate", b64(c.getTBSCertificate()));
      o.put("RawSubjectPublicKeyInfo", b64(c.getPublicKey().getEncoded()));
      o.put("RawSubject", b64(c.getSubjectX500Principal().getEncoded()));
      o.put("RawIssuer", b64(c.getIssuerX500Principal().getEncoded()));
      o.put("Signature", b64(c.getSignature()));
      o.put(
          "SignatureAlgorithm",
          NumberValue.of(SIGNATURE_ALGORITHMS.getOrDefault(c.getSigAlgOID(), 0)));
      o.put("PublicKeyAlgorithm", NumberValue.of(publicKeyAlgorithm(c.getPublicKey())));
      o.put("PublicKey", publicKey(c.getPublicKey()));
      o.put("Version", NumberValue.of(c.getVersion()));
      o.put("SerialNumber", NumberValue.of(c.getSerialNumber()));
      o.put("Issuer", name(c.getIssuerX500Principal().getEncoded()));
      o.put("Subject", name(c.getSubjectX500Principal().getEncoded()));
      o.put("NotBefore", StringValue.of(time(c.getNotBefore().toInstant())));
      o.put("NotAfter", StringValue.of(time(c.getNotAfter().toInstant())));
      boolean[] ku = c.getKeyUsage();
      int keyUsage = 0;
      if (ku != null) {
        for (int i = 0; i < ku.length && i < 9; i++) {
          if (ku[i]) {
            keyUsage |= 1 << i;
          }
        }
      }
      o.put("KeyUsage", NumberValue.of(keyUsage));
      Extensions exts =
          org.bouncycastle.asn1.x509.Certificate.getInstance(raw)
              .getTBSCertificate()
              .getExtensions();
      ArrayValue.Builder extList = new ArrayValue.Builder();
      if (exts != null) {
        for (ASN1ObjectIdentifier id : exts.getExtensionOIDs()) {
          Extension e = exts.getExtension(id);
          extList.add(
              new ObjectValue.Builder()
                  .put("Id", oid(id.getId()))
                  .put("Critical", BooleanValue.of(e.isCritical()))
                  .put("Value", b64(e.getExtnValue().getOctets()))
                  .build());
        }
      }
      ArrayValue extValues = extList.build();
      o.put("Extensions", extValues.isEmpty() ? NullValue.INSTANCE : extValues);
      List<String> eku = c.getExtendedKeyUsage();
      ArrayValue.Builder ekuOut = new ArrayValue.Builder();
      ArrayValue.Builder unknownEku = new ArrayValue.Builder();
      if (eku != null) {
        for (String u : eku) {
          int idx = EXT_KEY_USAGES.indexOf(u);
          if (idx >= 0) {
            ekuOut.add(NumberValue.of(idx));
          } else {
            unknownEku.add(oid(u));
          }
        }
      }
      ArrayValue ekuValues = ekuOut.build();
      ArrayValue unknownValues = unknownEku.build();
      o.put("ExtKeyUsage", ekuValues.isEmpty() ? NullValue.INSTANCE : ekuValues);
      o.put("UnknownExtKeyUsage", unknownValues.isEmpty() ? NullValue.INSTANCE : unknownValues);
      boolean bcValid = exts != null && exts.getExtension(Extension.basicConstraints) != null;
      int pathLen = c.getBasicConstraints();
      o.put("BasicConstraintsValid", BooleanValue.of(bcValid));
      o.put("IsCA", BooleanValue.of(pathLen >= 0));
      // Go: 0 without basic constraints, -1 when present without a path length.
      int maxPathLen = !bcValid ? 0 : pathLen >= 0 && pathLen != Integer.MAX_VALUE ? pathLen : -1;
      o.put("MaxPathLen", NumberValue.of(maxPathLen));
      o.put("MaxPathLenZero", BooleanValue.of(bcValid && pathLen == 0));
      byte[] ski = null;
      byte[] aki = null;
      if (exts != null) {
        Extension s = exts.getExtension(Extension.subjectKeyIdentifier);
        if (s != null) {
          ski = SubjectKeyIdentifier.getInstance(s.getParsedValue()).getKeyIdentifier();
        }
        Extension a = exts.getExtension(Extension.authorityKeyIdentifier);
        if (a != null) {
          aki = AuthorityKeyIdentifier.getInstance(a.getParsedValue()).getKeyIdentifierOctets();
        }
      }
      o.put("SubjectKeyId", b64(ski));
      o.put("AuthorityKeyId", b64(aki));
      o.put("DNSNames", strings(sans(c, GeneralName.dNSName)));
      o.put("EmailAddresses", strings(sans(c, GeneralName.rfc822Name)));
      o.put("IPAddresses", strings(sans(c, GeneralName.iPAddress)));
      List<String> uris = sans(c, GeneralName.uniformResourceIdentifier);
      o.put("URIs", uriObjects(uris));
      o.put("URIStrings", strings(uris));
      return o.build();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error("x509: " + e.getMessage());
    }
  }

  /** Go's url.URL structs for URI SANs. */
  private static Value uriObjects(List<String> uris) {
    if (uris.isEmpty()) {
      return NullValue.INSTANCE;
    }
    ArrayValue.Builder b = new ArrayValue.Builder();
    for (String u : uris) {
      URI parsed;
      try {
        parsed = new URI(u);
      } catch (java.net.URISyntaxException e) {
        continue;
      }
      StringValue empty = StringValue.EMPTY;
      b.add(
          new ObjectValue.Builder()
              .put("Scheme", StringValue.of(nz(parsed.getScheme())))
              .put(
                  "Opaque",
                  parsed.isOpaque() ? StringValue.of(nz(parsed.getRawSchemeSpecificPart())) : empty)
              .put("User", NullValue.INSTANCE)
              .put("Host", StringValue.of(nz(parsed.getRawAuthority())))
              .put("Path", StringValue.of(nz(parsed.getPath())))
              .put("RawPath", empty)
              .put("OmitHost", BooleanValue.FALSE)
              .put("ForceQuery", BooleanValue.FALSE)
              .put("RawQuery", StringValue.of(nz(parsed.getRawQuery())))
              .put("Fragment", StringValue.of(nz(parsed.getFragment())))
              .put("RawFragment", empty)
              .build());
    }
    return b.build();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  // ---------------------------------------------------------------------------------------------
  // CSRs and keys

  private static Value parseCsr(Value[] args, BuiltinContext ctx) throws BuiltinException {
    byte[][] der = new byte[1][];
    String pem = pemOrDer(OperandChecks.string(args, 0), der);
    byte[] raw = der[0];
    if (pem != null) {
      raw =
          Pem.decode(pem)
              .orElseThrow(
                  () -> BuiltinException.error("failed to parse a PEM certificate request"))
              .bytes();
    }
    try {
      PKCS10CertificationRequest csr = new PKCS10CertificationRequest(raw);
      ObjectValue.Builder o = new ObjectValue.Builder();
      o.put("Raw", b64(raw));
      o.put(
          "RawTBSCertificateRequest",
          b64(csr.toASN1Structure().getCertificationRequestInfo().getEncoded()));
      o.put("RawSubjectPublicKeyInfo", b64(csr.getSubjectPublicKeyInfo().getEncoded()));
      o.put("RawSubject", b64(csr.getSubject().getEncoded()));
      o.put(
          "Version",
          NumberValue.of(
              csr.toASN1Structure().getCertificationRequestInfo().getVersion().intValueExact()));
      o.put("Signature", b64(csr.getSignature()));
      o.put(
          "SignatureAlgorithm",
          NumberValue.of(
              SIGNATURE_ALGORITHMS.getOrDefault(
                  csr.getSignatureAlgorithm().getAlgorithm().getId(), 0)));
      PublicKey pk = JoseKeys.pkixPublicKey(csr.getSubjectPublicKeyInfo().getEncoded());
      o.put("PublicKeyAlgorithm", NumberValue.of(publicKeyAlgorithm(pk)));
      o.put("PublicKey", publicKey(pk));
      o.put("Subject", name(csr.getSubject().getEncoded()));
      List<String> dns = new ArrayList<>();
      List<String> emails = new ArrayList<>();
      List<String> ips = new ArrayList<>();
      List<String> uris = new ArrayList<>();
      Extensions exts = csr.getRequestedExtensions();
      if (exts != null && exts.getExtension(Extension.subjectAlternativeName) != null) {
        GeneralNames gns =
            GeneralNames.getInstance(
                exts.getExtension(Extension.subjectAlternativeName).getParsedValue());
        for (GeneralName gn : gns.getNames()) {
          switch (gn.getTagNo()) {
            case GeneralName.dNSName -> dns.add(gn.getName().toString());
            case GeneralName.rfc822Name -> emails.add(gn.getName().toString());
            case GeneralName.uniformResourceIdentifier -> uris.add(gn.getName().toString());
            case GeneralName.iPAddress ->
                ips.add(IpAddrs.format(ASN1OctetString.getInstance(gn.getName()).getOctets()));
            default -> {}
          }
        }
      }
      o.put("DNSNames", strings(dns));
      o.put("EmailAddresses", strings(emails));
      o.put("IPAddresses", strings(ips));
      o.put("URIs", uriObjects(uris));
      return o.build();
    } catch (java.io.IOException | GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error("asn1: structure error: " + e.getMessage());
    }
  }

  /** Every private key in PEM text (PKCS#1, SEC1 EC or PKCS#8), in order. */
  private static List<PrivateKey> privateKeys(String pem) throws BuiltinException {
    try {
      return Pem.privateKeys("keys", pem);
    } catch (PemException e) {
      throw BuiltinException.error(
          "failed to parse PEM private key: "
              + (e.getCause() == null ? e.problem() : e.getCause().getMessage()));
    }
  }

  private static String pemText(String input) throws BuiltinException {
    byte[][] der = new byte[1][];
    String pem = pemOrDer(input, der);
    if (pem == null) {
      throw BuiltinException.error("failed to parse PEM data: input is not PEM");
    }
    return pem;
  }

  /** A private key as a JWK object (RSA and EC). */
  private static Value jwk(PrivateKey k) throws BuiltinException {
    Map<String, Object> json;
    try {
      if (k instanceof RSAPrivateCrtKey rsa) {
        RSAPublicKey pub =
            (RSAPublicKey)
                java.security.KeyFactory.getInstance("RSA")
                    .generatePublic(
                        new java.security.spec.RSAPublicKeySpec(
                            rsa.getModulus(), rsa.getPublicExponent()));
        json = new RSAKey.Builder(pub).privateKey(rsa).build().toJSONObject();
      } else if (k instanceof ECPrivateKey ec) {
        java.security.spec.ECPoint w =
            org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util.convertPoint(
                org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util.convertSpec(ec.getParams())
                    .getG()
                    .multiply(ec.getS())
                    .normalize());
        ECPublicKey pub =
            (ECPublicKey)
                java.security.KeyFactory.getInstance("EC")
                    .generatePublic(new java.security.spec.ECPublicKeySpec(w, ec.getParams()));
        json =
            new ECKey.Builder(com.nimbusds.jose.jwk.Curve.forECParameterSpec(ec.getParams()), pub)
                .privateKey(ec)
                .build()
                .toJSONObject();
      } else {
        throw BuiltinException.error("unsupported private key type " + k.getAlgorithm());
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error("failed to convert private key: " + e.getMessage());
    }
    return Json.parse(com.nimbusds.jose.util.JSONObjectUtils.toJSONString(json));
  }

  private static Value parseRsaPrivateKey(Value[] args, BuiltinContext ctx)
      throws BuiltinException {
    String pem = pemText(OperandChecks.string(args, 0));
    List<PrivateKey> keys = privateKeys(pem);
    if (keys.isEmpty()) {
      throw BuiltinException.error("failed to parse PEM block containing the key");
    }
    if (!(keys.get(0) instanceof RSAPrivateCrtKey)) {
      throw BuiltinException.error("not an RSA private key");
    }
    return jwk(keys.get(0));
  }

  private static Value parsePrivateKeys(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String input = OperandChecks.string(args, 0);
    if (input.isEmpty()) {
      return NullValue.INSTANCE;
    }
    String pem;
    try {
      pem = pemText(input);
    } catch (BuiltinException e) {
      return ArrayValue.EMPTY;
    }
    ArrayValue.Builder out = new ArrayValue.Builder();
    for (PrivateKey k : privateKeys(pem)) {
      out.add(jwk(k));
    }
    return out.build();
  }

  private static Value parseKeypair(Value[] args, BuiltinContext ctx) throws BuiltinException {
    List<X509Certificate> certs = certificates(OperandChecks.string(args, 0));
    String keyPem = pemText(OperandChecks.string(args, 1));
    List<PrivateKey> keys = privateKeys(keyPem);
    if (certs.isEmpty()) {
      throw BuiltinException.error("tls: failed to find any PEM data in certificate input");
    }
    if (keys.isEmpty()) {
      throw BuiltinException.error("tls: failed to find any PEM data in key input");
    }
    PublicKey certKey = certs.get(0).getPublicKey();
    PrivateKey key = keys.get(0);
    if (!matches(certKey, key)) {
      throw BuiltinException.error("tls: private key does not match public key");
    }
    ArrayValue.Builder chain = new ArrayValue.Builder();
    try {
      for (X509Certificate c : certs) {
        chain.add(b64(c.getEncoded()));
      }
    } catch (GeneralSecurityException e) {
      throw BuiltinException.error("x509: " + e.getMessage());
    }
    return new ObjectValue.Builder()
        .put("Certificate", chain.build())
        .put("PrivateKey", jwk(key))
        .put("Leaf", certificate(certs.get(0)))
        .put("OCSPStaple", NullValue.INSTANCE)
        .put("SignedCertificateTimestamps", NullValue.INSTANCE)
        .put("SupportedSignatureAlgorithms", NullValue.INSTANCE)
        .build();
  }

  private static boolean matches(PublicKey pub, PrivateKey priv) {
    if (pub instanceof RSAPublicKey r && priv instanceof RSAPrivateCrtKey p) {
      return r.getModulus().equals(p.getModulus());
    }
    if (pub instanceof ECPublicKey && priv instanceof ECPrivateKey) {
      return true;
    }
    return pub.getAlgorithm().equals(priv.getAlgorithm());
  }
}
