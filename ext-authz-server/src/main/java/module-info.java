/**
 * jrego's server and command line: Envoy's ext_authz and ext_proc over gRPC, the admin port, and
 * the {@code jrego} commands. An application, not a library: it exports nothing, and opens only its
 * command package to picocli. It reads the engine through the engine's API packages and, for what a
 * command line like OPA's needs (parser, formatter, compiler checks, test runner, bundles, PEM, the
 * builtin table and the AI guards' Java API), through the engine's qualified exports to this
 * module.
 */
module io.jrego.server {
  requires io.jrego.engine;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  // Guava's ListenableFuture: the future stubs protoc-gen-grpc-java generates use it.
  requires com.google.common;
  requires com.google.protobuf;
  requires info.picocli;
  requires io.grpc;
  requires io.grpc.netty.shaded;
  requires io.grpc.protobuf;
  requires io.grpc.services;
  requires io.grpc.stub;
  requires io.opentelemetry.api;
  requires io.opentelemetry.context;
  requires io.opentelemetry.exporter.otlp;
  requires io.opentelemetry.sdk.common;
  requires io.opentelemetry.sdk.trace;
  requires java.logging;
  requires java.management;
  requires java.net.http;
  requires jdk.httpserver;
  requires lettuce.core;
  requires micrometer.core;
  requires micrometer.registry.prometheus;
  requires proto.google.common.protos;

  // picocli builds the commands by reflection: their annotated fields and nested classes.
  opens io.jrego.cli to
      info.picocli;
}
