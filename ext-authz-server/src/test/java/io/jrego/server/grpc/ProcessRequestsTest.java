package io.jrego.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.grpc.KnownLength;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProcessRequestsTest {

  private final ProcessRequests reader = new ProcessRequests();

  /** A stream as the transport hands one over: its length known, not the message itself. */
  private static final class Wire extends ByteArrayInputStream implements KnownLength {
    Wire(byte[] b) {
      super(b);
    }
  }

  private ProcessingRequest read(byte[] bytes) {
    return reader.parse(new Wire(bytes));
  }

  private static Metadata metadata(Random r) {
    Struct.Builder s = Struct.newBuilder();
    for (int i = r.nextInt(6); i > 0; i--) {
      s.putFields(
          "k" + r.nextInt(1000),
          r.nextBoolean()
              ? Value.newBuilder().setStringValue("v" + r.nextLong()).build()
              : Value.newBuilder().setNumberValue(r.nextDouble()).build());
    }
    return Metadata.newBuilder()
        .putFilterMetadata("envoy.filters.http.ext_authz", s.build())
        .build();
  }

  private static HttpHeaders headers(Random r) {
    return HttpHeaders.newBuilder()
        .setHeaders(
            HeaderMap.newBuilder()
                .addHeaders(HeaderValue.newBuilder().setKey(":status").setRawValue(bytes(r, 3))))
        .setEndOfStream(r.nextBoolean())
        .build();
  }

  private static ByteString bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** A message of each kind, with or without metadata, attributes and the other fields. */
  private static ProcessingRequest random(Random r) {
    ProcessingRequest.Builder b = ProcessingRequest.newBuilder();
    switch (r.nextInt(6)) {
      case 0 -> b.setRequestHeaders(headers(r));
      case 1 -> b.setResponseHeaders(headers(r));
      case 2 ->
          b.setRequestBody(
              HttpBody.newBuilder()
                  .setBody(bytes(r, r.nextInt(300)))
                  .setEndOfStream(r.nextBoolean()));
      case 3 ->
          b.setResponseBody(
              HttpBody.newBuilder()
                  .setBody(bytes(r, r.nextInt(70_000)))
                  .setEndOfStream(r.nextBoolean()));
      case 4 -> b.setResponseTrailers(HttpTrailers.getDefaultInstance());
      default -> {} // no message at all
    }
    if (r.nextBoolean()) {
      b.setMetadataContext(metadata(r));
    }
    if (r.nextBoolean()) {
      b.putAttributes("envoy.filters.http.ext_proc", Struct.getDefaultInstance());
    }
    if (r.nextInt(4) == 0) {
      b.setObservabilityMode(true);
    }
    if (r.nextInt(5) == 0) {
      b.setUnknownFields(
          UnknownFieldSet.newBuilder()
              .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(r.nextInt()).build())
              .build());
    }
    return b.build();
  }

  @Test
  void aBodyPieceIsReadWithoutMetadataAndAttributes() {
    Random r = new Random(1);
    ProcessingRequest m =
        ProcessingRequest.newBuilder()
            .setResponseBody(HttpBody.newBuilder().setBody(bytes(r, 130_000)))
            .setMetadataContext(metadata(r))
            .putAttributes("a", Struct.getDefaultInstance())
            .build();
    ProcessingRequest read = read(m.toByteArray());
    assertEquals(m.getResponseBody(), read.getResponseBody());
    assertFalse(read.hasMetadataContext());
    assertTrue(read.getAttributesMap().isEmpty());
  }

  @Test
  void requestHeadersAreReadWhole() {
    Random r = new Random(2);
    ProcessingRequest m =
        ProcessingRequest.newBuilder()
            .setRequestHeaders(headers(r))
            .setMetadataContext(metadata(r))
            .putAttributes("a", Struct.getDefaultInstance())
            .build();
    assertEquals(m, read(m.toByteArray()));
  }

  /**
   * Over 3,000 generated messages, also in pieces of two messages one after the other (protobuf's
   * merge of both, the fields in any order): what protobuf reads, less metadata and attributes
   * unless the bytes hold request headers.
   */
  @Test
  void everyOtherFieldIsWhatProtobufReads() throws Exception {
    Random r = new Random(3);
    for (int i = 0; i < 3_000; i++) {
      byte[] wire = random(r).toByteArray();
      if (r.nextInt(3) == 0) {
        wire = ByteString.copyFrom(wire).concat(random(r).toByteString()).toByteArray();
      }
      ProcessingRequest whole = ProcessingRequest.parseFrom(wire);
      boolean headers = whole.hasRequestHeaders() || containsRequestHeaders(wire);
      ProcessingRequest expected =
          headers ? whole : whole.toBuilder().clearMetadataContext().clearAttributes().build();
      assertEquals(expected, read(wire), "message " + i);
    }
  }

  /**
   * 20,000 generated messages with bytes flipped, dropped or added: whatever protobuf reads, this
   * reads the same (less metadata and attributes without request headers), and what it refuses is
   * refused too, with one exception by design: bytes protobuf cannot read inside a skipped field
   * are never read, so they are not refused (then the message read has neither field).
   */
  @Test
  void damagedBytesAreReadOrRefusedAsProtobufDoes() {
    Random r = new Random(8);
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] wire = random(r).toByteArray();
      if (wire.length == 0) {
        continue;
      }
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        int at = r.nextInt(wire.length);
        switch (r.nextInt(3)) {
          case 0 -> wire[at] = (byte) r.nextInt(256);
          case 1 ->
              wire =
                  ByteString.copyFrom(wire, 0, at)
                      .concat(ByteString.copyFrom(wire, at + 1, wire.length - at - 1))
                      .toByteArray();
          default ->
              wire =
                  ByteString.copyFrom(wire, 0, at)
                      .concat(ByteString.copyFrom(new byte[] {(byte) r.nextInt(256)}))
                      .concat(ByteString.copyFrom(wire, at, wire.length - at))
                      .toByteArray();
        }
        if (wire.length == 0) {
          break;
        }
      }
      ProcessingRequest whole;
      try {
        whole = ProcessingRequest.parseFrom(wire);
      } catch (Exception e) {
        whole = null;
      }
      ProcessingRequest mine;
      try {
        mine = read(wire);
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        mine = null;
      }
      if (whole != null) {
        ProcessingRequest stripped =
            whole.toBuilder().clearMetadataContext().clearAttributes().build();
        assertTrue(
            whole.equals(mine) || (stripped.equals(mine) && !whole.hasRequestHeaders()),
            "message " + i);
      } else if (mine != null) {
        assertFalse(mine.hasRequestHeaders() || mine.hasMetadataContext(), "message " + i);
        assertTrue(mine.getAttributesMap().isEmpty(), "message " + i);
      } else {
        refused++;
      }
    }
    assertTrue(
        refused > 1_000, "only " + refused + " damaged messages refused: the damage is too mild");
  }

  /** Whether a request-headers field is on the wire (a later oneof member may have replaced it). */
  private static boolean containsRequestHeaders(byte[] wire) throws Exception {
    com.google.protobuf.CodedInputStream in =
        com.google.protobuf.CodedInputStream.newInstance(wire);
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (com.google.protobuf.WireFormat.getTagFieldNumber(tag) == 2) {
        return true;
      }
      in.skipField(tag);
    }
    return false;
  }

  @Test
  void bytesProtobufCannotReadAreRefusedAsGrpcRefusesThem() {
    byte[] truncated =
        random(new Random(4)).toBuilder()
            .setResponseBody(HttpBody.newBuilder().setBody(ByteString.copyFromUtf8("data: {}\n\n")))
            .setMetadataContext(metadata(new Random(5)))
            .build()
            .toByteArray();
    byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 3);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> read(cut));
    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertThrows(StatusRuntimeException.class, () -> read(new byte[] {(byte) 0xff, (byte) 0xff}));
  }

  @Test
  void aMessageHandedOverWholeOrAPlainStreamIsReadAsProtobufReadsIt() {
    Random r = new Random(6);
    ProcessingRequest m =
        ProcessingRequest.newBuilder()
            .setResponseBody(HttpBody.newBuilder().setBody(bytes(r, 100)))
            .setMetadataContext(metadata(r))
            .build();
    InputStream whole = reader.stream(m); // in-process: the message itself
    assertEquals(m, reader.parse(whole));
    assertEquals(m, reader.parse(new ByteArrayInputStream(m.toByteArray())));
  }

  @Test
  void eachMessageKeepsItsOwnBytes() {
    Random r = new Random(7);
    ProcessingRequest big =
        ProcessingRequest.newBuilder()
            .setResponseBody(HttpBody.newBuilder().setBody(bytes(r, (1 << 20) + 10)))
            .setMetadataContext(metadata(r))
            .build();
    ProcessingRequest small =
        ProcessingRequest.newBuilder()
            .setResponseBody(HttpBody.newBuilder().setBody(bytes(r, 10)))
            .build();
    assertEquals(big.getResponseBody(), read(big.toByteArray()).getResponseBody());
    assertEquals(small, read(small.toByteArray()));
    // what was read before is not overwritten by the next message read into the reused buffer
    ProcessingRequest first = read(small.toByteArray());
    read(
        big.toBuilder()
            .setResponseBody(HttpBody.newBuilder().setBody(bytes(r, 10)))
            .build()
            .toByteArray());
    assertEquals(small, first);
  }

  @Test
  void theServiceIsBoundWithThisReader() {
    ServerServiceDefinition d =
        new ExternalProcessorGrpc.ExternalProcessorImplBase() {}.bindService();
    ServerServiceDefinition bound = ProcessRequests.reading(d);
    var method = bound.getMethod(ExternalProcessorGrpc.getProcessMethod().getFullMethodName());
    assertTrue(method.getMethodDescriptor().getRequestMarshaller() instanceof ProcessRequests);
    assertSame(
        d.getServiceDescriptor().getSchemaDescriptor(),
        bound.getServiceDescriptor().getSchemaDescriptor());
  }
}
