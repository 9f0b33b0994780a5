package io.jrego.server.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How ext_proc's messages are read off the wire: as protobuf reads them, except that a message
 * without request headers is read without its {@code metadata_context} and {@code attributes}.
 *
 * <p>Why: Envoy puts the forwarded metadata namespaces (ext_authz's, with Check's decision carried
 * for the stream) and the configured attributes into every message of a stream, each body piece
 * too, and protobuf builds each {@code Struct} of them into maps of values; a redacted SSE answer
 * comes in 75-150 pieces a stream. jrego reads both only at the request headers ({@code
 * ProcessStream}): there they are read as before. The fields are found by their tags at the top
 * level of the message and the message is read from the bytes around them, so every other field,
 * unknown ones included, is what protobuf's own parse makes of it; bytes protobuf cannot read are
 * refused as gRPC's marshaller refuses them. Each message is read into an array of its own, and its
 * body is a view of that array: gRPC's marshaller reads into a reused array and copies the body
 * out.
 */
final class ProcessRequests implements MethodDescriptor.Marshaller<ProcessingRequest> {

  private static final MethodDescriptor.Marshaller<ProcessingRequest> PROTO =
      ProtoUtils.marshaller(ProcessingRequest.getDefaultInstance());

  /** {@code definition} with ext_proc's {@code Process} reading its messages here. */
  static ServerServiceDefinition reading(ServerServiceDefinition definition) {
    ServiceDescriptor old = definition.getServiceDescriptor();
    ServiceDescriptor.Builder service =
        ServiceDescriptor.newBuilder(old.getName()).setSchemaDescriptor(old.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    String process = ExternalProcessorGrpc.getProcessMethod().getFullMethodName();
    for (ServerMethodDefinition<?, ?> m : definition.getMethods()) {
      ServerMethodDefinition<?, ?> bound =
          m.getMethodDescriptor().getFullMethodName().equals(process) ? withReader(m) : m;
      methods.add(bound);
      service.addMethod(bound.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private static ServerMethodDefinition<ProcessingRequest, ProcessingResponse> withReader(
      ServerMethodDefinition<?, ?> m) {
    ServerMethodDefinition<ProcessingRequest, ProcessingResponse> p =
        (ServerMethodDefinition<ProcessingRequest, ProcessingResponse>) m;
    return ServerMethodDefinition.create(
        p.getMethodDescriptor().toBuilder().setRequestMarshaller(new ProcessRequests()).build(),
        p.getServerCallHandler());
  }

  @Override
  public InputStream stream(ProcessingRequest value) {
    return PROTO.stream(value);
  }

  @Override
  public ProcessingRequest parse(InputStream stream) {
    if (stream instanceof Drainable || !(stream instanceof KnownLength)) {
      return PROTO.parse(stream); // a message handed over whole (in-process), or a plain stream
    }
    try {
      int size = stream.available();
      byte[] buf = new byte[size];
      int read = stream.readNBytes(buf, 0, size);
      if (read != size || stream.read() != -1) {
        throw new IOException("size inaccurate: " + size + " != " + read);
      }
      return parse(buf, size);
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("Invalid protobuf byte sequence")
          .withCause(e)
          .asRuntimeException();
    }
  }

  /**
   * A reader of {@code bytes[from, from + length)} whose bytes fields are views of {@code bytes}
   * (the body is not copied again): the array is the message's own, never written after.
   */
  private static CodedInputStream aliasing(byte[] bytes, int from, int length) {
    CodedInputStream in = CodedInputStream.newInstance(bytes, from, length);
    in.enableAliasing(true);
    return in;
  }

  /**
   * The message in {@code bytes[0, size)}, read without {@code metadata_context} and {@code
   * attributes} unless it holds request headers.
   */
  static ProcessingRequest parse(byte[] bytes, int size) throws IOException {
    int[] skip = new int[4];
    int skips = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes, 0, size);
      while (true) {
        int start = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == ProcessingRequest.REQUEST_HEADERS_FIELD_NUMBER) {
          skips = 0; // read whole
          break;
        }
        if (!in.skipField(tag)) {
          skips = 0; // an end-group tag at the top: protobuf's parse says what it makes of it
          break;
        }
        if ((field == ProcessingRequest.METADATA_CONTEXT_FIELD_NUMBER
                || field == ProcessingRequest.ATTRIBUTES_FIELD_NUMBER)
            // of another wire type, protobuf keeps it as an unknown field: so is it kept here
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          if (skips * 2 + 2 > skip.length) {
            skip = Arrays.copyOf(skip, skip.length * 2);
          }
          skip[2 * skips] = start;
          skip[2 * skips + 1] = in.getTotalBytesRead();
          skips++;
        }
      }
    } catch (IOException e) {
      skips = 0; // protobuf's parse refuses it with its own words
    }
    if (skips == 0) {
      return ProcessingRequest.parseFrom(aliasing(bytes, 0, size));
    }
    ProcessingRequest.Builder b = ProcessingRequest.newBuilder();
    int from = 0;
    for (int k = 0; k < skips; k++) {
      if (skip[2 * k] > from) {
        b.mergeFrom(aliasing(bytes, from, skip[2 * k] - from));
      }
      from = skip[2 * k + 1];
    }
    if (size > from) {
      b.mergeFrom(aliasing(bytes, from, size - from));
    }
    return b.build();
  }
}
