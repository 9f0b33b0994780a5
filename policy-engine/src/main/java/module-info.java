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
  // JTokkit and RE2/J ship neither a module descriptor nor an Automatic-Module-Name: these are the
  // names Java derives from their jar files (jtokkit-1.1.0.jar, re2j-1.8.jar; the version is
  // dropped), on Maven's module path and in the server's target/lib (ServerModuleIT runs jrego as
  // a module from there); bin/jrego and the image run jrego.jar on the class path, where module
  // names play no part. The build warns of it ("Required filename-based automodules detected"):
  // harmless for modules never published as libraries. Should either jar gain a name of its own
  // (google/re2j#184 proposes one), its upgrade fails to compile here until the name is changed.
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
