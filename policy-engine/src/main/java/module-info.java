/**
 * jrego's Rego engine, embeddable in any Java application as OPA is in Go programs.
 *
 * <p>The API is four packages: {@code io.jrego.engine} (the facade: {@code Rego}, {@code
 * PreparedPolicy}, {@code PreparedQuery}, {@code RuleInfo}), {@code io.jrego.engine.base} (errors
 * and options), {@code io.jrego.engine.value} (values and JSON) and {@code io.jrego.engine.spi}
 * (custom builtins). Every other package is the implementation: the server and the load harness
 * reads some of them through the qualified exports below, each listed with what it is for, and no
 * other module can.
 */
module io.jrego.engine {
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires com.google.i18n.phonenumbers.libphonenumber;
  requires com.graphqljava;
  requires com.networknt.schema;
  requires com.nimbusds.jose.jwt;
  requires java.management;
  requires jdk.management;
  requires jtokkit;
  requires org.bouncycastle.pkix;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.util;
  requires org.snakeyaml.engine.v2;
  requires re2j;

  exports io.jrego.engine;
  exports io.jrego.engine.base;
  exports io.jrego.engine.spi;
  exports io.jrego.engine.value;

  // The command line reads, checks, formats and tests Rego as opa does: it needs the parser, the
  // syntax tree, the compiler's strict and capability checks, the formatter and the test runner.
  exports io.jrego.engine.ast to
      io.jrego.server;
  exports io.jrego.engine.compiler to
      io.jrego.server;
  exports io.jrego.engine.format to
      io.jrego.server;
  exports io.jrego.engine.parser to
      io.jrego.server;
  exports io.jrego.engine.tester to
      io.jrego.server;
  // Bundles (serve, build, sign, eval -b) and the PEM reader the server's key and SVID options
  // share.
  exports io.jrego.engine.bundle to
      io.jrego.server;
  exports io.jrego.engine.pem to
      io.jrego.server;
  // The builtin table and the capabilities document (jrego capabilities, check --capabilities),
  // and the AI guards' Java API (PiiScanner, Redactor, StreamRedactor, TokenCounter).
  exports io.jrego.engine.builtins to
      io.jrego.server;
  exports io.jrego.engine.builtins.ai to
      io.jrego.server;
  exports io.jrego.engine.builtins.capabilities to
      io.jrego.server;
}
