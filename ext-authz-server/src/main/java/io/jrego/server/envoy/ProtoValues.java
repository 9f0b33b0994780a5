package io.jrego.server.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Converts a protobuf message to a value the way OPA-Envoy builds {@code input.attributes}: JSON
 * (lowerCamelCase) field names, populated fields only, a oneof as its set member, maps as objects,
 * {@code google.protobuf.Struct} as plain JSON, every other message (well-known types included)
 * field by field, enums and 64-bit integers as numbers, bytes as base64.
 *
 * <p>The parts of Envoy's {@link AttributeContext} every check carries (the context, its peers, the
 * request and its HTTP request with the headers) are read through their generated accessors; every
 * other message through its descriptor and protobuf's reflection, which calls each field's {@code
 * has} and {@code get} by {@code Method.invoke} and rebuilds each map as a list of entry messages.
 * Behind Envoy that reflection was about a tenth of jrego's CPU per Check (load-tests/README.md,
 * ext_proc, session 15). Both give the same value ({@code ProtoValuesTest} compares them on random
 * messages); if the protos gain or lose a field, {@link #TYPED} is false and every message takes
 * the descriptor walk.
 */
final class ProtoValues {

  private ProtoValues() {}

  /**
   * Each message type's field names as values, by field index, made once: a value's hash is keyed
   * and costs more than a Java string's cached one, so names that never change are not rehashed for
   * every request.
   */
  private static final Map<Descriptor, StringValue[]> NAMES = new ConcurrentHashMap<>();

  private static StringValue[] names(Descriptor type) {
    StringValue[] names = NAMES.get(type);
    if (names == null) {
      List<FieldDescriptor> fields = type.getFields();
      names = new StringValue[fields.size()];
      for (FieldDescriptor fd : fields) {
        names[fd.getIndex()] = StringValue.of(fd.getJsonName());
      }
      NAMES.put(type, names);
    }
    return names;
  }

  /**
   * Whether the accessor-read types have exactly the fields those readers read (by number), so that
   * they give what the descriptor walk gives.
   */
  static final boolean TYPED =
      fields(AttributeContext.getDescriptor(), 1, 2, 4, 10, 11, 12, 13)
          && fields(AttributeContext.Peer.getDescriptor(), 1, 2, 3, 4, 5)
          && fields(AttributeContext.Request.getDescriptor(), 1, 2)
          && fields(
              AttributeContext.HttpRequest.getDescriptor(),
              1,
              2,
              3,
              4,
              5,
              6,
              7,
              8,
              9,
              10,
              11,
              12,
              13);

  private static boolean fields(Descriptor type, int... numbers) {
    return Arrays.equals(
        type.getFields().stream().mapToInt(FieldDescriptor::getNumber).sorted().toArray(), numbers);
  }

  /** A field's name as a value, by its number. */
  private static StringValue name(Descriptor type, int number) {
    return names(type)[type.findFieldByNumber(number).getIndex()];
  }

  private static final Descriptor CONTEXT = AttributeContext.getDescriptor();
  private static final StringValue SOURCE = name(CONTEXT, 1);
  private static final StringValue DESTINATION = name(CONTEXT, 2);
  private static final StringValue REQUEST = name(CONTEXT, 4);
  private static final StringValue CONTEXT_EXTENSIONS = name(CONTEXT, 10);
  private static final StringValue METADATA_CONTEXT = name(CONTEXT, 11);
  private static final StringValue TLS_SESSION = name(CONTEXT, 12);
  private static final StringValue ROUTE_METADATA_CONTEXT = name(CONTEXT, 13);

  private static final Descriptor PEER = AttributeContext.Peer.getDescriptor();
  private static final StringValue ADDRESS = name(PEER, 1);
  private static final StringValue SERVICE = name(PEER, 2);
  private static final StringValue LABELS = name(PEER, 3);
  private static final StringValue PRINCIPAL = name(PEER, 4);
  private static final StringValue CERTIFICATE = name(PEER, 5);

  private static final Descriptor REQUEST_TYPE = AttributeContext.Request.getDescriptor();
  private static final StringValue TIME = name(REQUEST_TYPE, 1);
  private static final StringValue HTTP = name(REQUEST_TYPE, 2);

  private static final Descriptor HTTP_TYPE = AttributeContext.HttpRequest.getDescriptor();
  private static final StringValue ID = name(HTTP_TYPE, 1);
  private static final StringValue METHOD = name(HTTP_TYPE, 2);
  private static final StringValue HEADERS = name(HTTP_TYPE, 3);
  private static final StringValue PATH = name(HTTP_TYPE, 4);
  private static final StringValue HOST = name(HTTP_TYPE, 5);
  private static final StringValue SCHEME = name(HTTP_TYPE, 6);
  private static final StringValue QUERY = name(HTTP_TYPE, 7);
  private static final StringValue FRAGMENT = name(HTTP_TYPE, 8);
  private static final StringValue SIZE = name(HTTP_TYPE, 9);
  private static final StringValue PROTOCOL = name(HTTP_TYPE, 10);
  private static final StringValue BODY = name(HTTP_TYPE, 11);
  private static final StringValue RAW_BODY = name(HTTP_TYPE, 12);
  private static final StringValue HEADER_MAP = name(HTTP_TYPE, 13);

  static ObjectValue message(Message msg) {
    return message(msg, TYPED);
  }

  /** As {@link #message(Message)}, through the descriptor walk alone (for the tests). */
  static ObjectValue walk(Message msg) {
    return message(msg, false);
  }

  private static ObjectValue message(Message msg, boolean typed) {
    if (msg instanceof Struct s) {
      return struct(s);
    }
    if (typed) {
      switch (msg) {
        case AttributeContext a -> {
          return context(a);
        }
        case AttributeContext.Peer p -> {
          return peer(p);
        }
        case AttributeContext.Request r -> {
          return request(r);
        }
        case AttributeContext.HttpRequest h -> {
          return http(h);
        }
        default -> {}
      }
    }
    Descriptor type = msg.getDescriptorForType();
    StringValue[] names = names(type);
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (FieldDescriptor fd : type.getFields()) {
      if (fd.isRepeated()) {
        int n = msg.getRepeatedFieldCount(fd);
        if (n == 0) {
          continue;
        }
        b.put(
            names[fd.getIndex()],
            fd.isMapField() ? map(msg, fd, n, typed) : list(msg, fd, n, typed));
      } else if (msg.hasField(fd)) {
        b.put(names[fd.getIndex()], single(fd, msg.getField(fd), typed));
      }
    }
    return b.build();
  }

  // The typed readers put the fields the walk would, in its order (declaration order); proto3
  // fields without explicit presence are present when not their default, as hasField says.

  private static ObjectValue context(AttributeContext a) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    if (a.hasSource()) {
      b.put(SOURCE, peer(a.getSource()));
    }
    if (a.hasDestination()) {
      b.put(DESTINATION, peer(a.getDestination()));
    }
    if (a.hasRequest()) {
      b.put(REQUEST, request(a.getRequest()));
    }
    if (a.getContextExtensionsCount() > 0) {
      b.put(CONTEXT_EXTENSIONS, strings(a.getContextExtensionsMap()));
    }
    if (a.hasMetadataContext()) {
      b.put(METADATA_CONTEXT, message(a.getMetadataContext()));
    }
    if (a.hasRouteMetadataContext()) {
      b.put(ROUTE_METADATA_CONTEXT, message(a.getRouteMetadataContext()));
    }
    if (a.hasTlsSession()) {
      b.put(TLS_SESSION, message(a.getTlsSession()));
    }
    return b.build();
  }

  private static ObjectValue peer(AttributeContext.Peer p) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    if (p.hasAddress()) {
      b.put(ADDRESS, message(p.getAddress()));
    }
    string(b, SERVICE, p.getService());
    if (p.getLabelsCount() > 0) {
      b.put(LABELS, strings(p.getLabelsMap()));
    }
    string(b, PRINCIPAL, p.getPrincipal());
    string(b, CERTIFICATE, p.getCertificate());
    return b.build();
  }

  private static ObjectValue request(AttributeContext.Request r) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    if (r.hasTime()) {
      b.put(TIME, message(r.getTime()));
    }
    if (r.hasHttp()) {
      b.put(HTTP, http(r.getHttp()));
    }
    return b.build();
  }

  private static ObjectValue http(AttributeContext.HttpRequest h) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    string(b, ID, h.getId());
    string(b, METHOD, h.getMethod());
    if (h.getHeadersCount() > 0) {
      b.put(HEADERS, strings(h.getHeadersMap()));
    }
    if (h.hasHeaderMap()) {
      b.put(HEADER_MAP, message(h.getHeaderMap()));
    }
    string(b, PATH, h.getPath());
    string(b, HOST, h.getHost());
    string(b, SCHEME, h.getScheme());
    string(b, QUERY, h.getQuery());
    string(b, FRAGMENT, h.getFragment());
    if (h.getSize() != 0) {
      b.put(SIZE, NumberValue.of(h.getSize()));
    }
    string(b, PROTOCOL, h.getProtocol());
    string(b, BODY, h.getBody());
    if (!h.getRawBody().isEmpty()) {
      b.put(
          RAW_BODY,
          StringValue.of(Base64.getEncoder().encodeToString(h.getRawBody().toByteArray())));
    }
    return b.build();
  }

  private static void string(ObjectValue.Builder b, StringValue name, String v) {
    if (!v.isEmpty()) {
      b.put(name, StringValue.of(v));
    }
  }

  /** A {@code map<string, string>} as the walk reads one. */
  private static ObjectValue strings(Map<String, String> m) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (Map.Entry<String, String> e : m.entrySet()) {
      b.put(StringValue.ofKey(e.getKey()), StringValue.of(e.getValue()));
    }
    return b.build();
  }

  private static ObjectValue map(Message msg, FieldDescriptor fd, int n, boolean typed) {
    FieldDescriptor keyFd = fd.getMessageType().findFieldByNumber(1);
    FieldDescriptor valueFd = fd.getMessageType().findFieldByNumber(2);
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (int i = 0; i < n; i++) {
      Message entry = (Message) msg.getRepeatedField(fd, i);
      b.put(
          StringValue.ofKey(String.valueOf(entry.getField(keyFd))),
          single(valueFd, entry.getField(valueFd), typed));
    }
    return b.build();
  }

  private static ArrayValue list(Message msg, FieldDescriptor fd, int n, boolean typed) {
    Value[] out = new Value[n];
    for (int i = 0; i < n; i++) {
      out[i] = single(fd, msg.getRepeatedField(fd, i), typed);
    }
    return ArrayValue.wrap(out);
  }

  private static Value single(FieldDescriptor fd, Object v, boolean typed) {
    return switch (fd.getJavaType()) {
      case MESSAGE -> message((Message) v, typed);
      case STRING -> StringValue.of((String) v);
      case BOOLEAN -> BooleanValue.of((Boolean) v);
      case INT, LONG ->
          unsigned(fd)
              ? unsignedNumber(((Number) v).longValue(), fd)
              : NumberValue.of(((Number) v).longValue());
      case FLOAT, DOUBLE -> number(((Number) v).doubleValue());
      case ENUM -> NumberValue.of(((EnumValueDescriptor) v).getNumber());
      case BYTE_STRING ->
          StringValue.of(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
    };
  }

  private static boolean unsigned(FieldDescriptor fd) {
    return switch (fd.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
  }

  private static NumberValue unsignedNumber(long v, FieldDescriptor fd) {
    if (fd.getJavaType() == FieldDescriptor.JavaType.INT) {
      return NumberValue.of(Integer.toUnsignedLong((int) v));
    }
    return v >= 0 ? NumberValue.of(v) : NumberValue.of(new BigInteger(Long.toUnsignedString(v)));
  }

  /** JSON has no NaN or infinities; Go's conversion fails on them, we answer null. */
  private static Value number(double d) {
    return Double.isFinite(d) ? NumberValue.of(d) : NullValue.INSTANCE;
  }

  static ObjectValue struct(Struct s) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (Map.Entry<String, com.google.protobuf.Value> e : s.getFieldsMap().entrySet()) {
      b.put(StringValue.ofKey(e.getKey()), structValue(e.getValue()));
    }
    return b.build();
  }

  private static Value structValue(com.google.protobuf.Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> NullValue.INSTANCE;
      case NUMBER_VALUE -> number(v.getNumberValue());
      case STRING_VALUE -> StringValue.of(v.getStringValue());
      case BOOL_VALUE -> BooleanValue.of(v.getBoolValue());
      case STRUCT_VALUE -> struct(v.getStructValue());
      case LIST_VALUE -> listValue(v.getListValue());
    };
  }

  private static ArrayValue listValue(ListValue l) {
    Value[] out = new Value[l.getValuesCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = structValue(l.getValues(i));
    }
    return ArrayValue.wrap(out);
  }
}
