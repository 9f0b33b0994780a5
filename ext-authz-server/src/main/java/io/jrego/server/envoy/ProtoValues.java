package io.jrego.server.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Converts a protobuf message to a value the way OPA-Envoy builds {@code input.attributes}: JSON
 * (lowerCamelCase) field names, populated fields only, a oneof as its set member, maps as objects,
 * {@code google.protobuf.Struct} as plain JSON, every other message (well-known types included)
 * field by field, enums and 64-bit integers as numbers, bytes as base64.
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

  static ObjectValue message(Message msg) {
    if (msg instanceof Struct s) {
      return struct(s);
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
        b.put(names[fd.getIndex()], fd.isMapField() ? map(msg, fd, n) : list(msg, fd, n));
      } else if (msg.hasField(fd)) {
        b.put(names[fd.getIndex()], single(fd, msg.getField(fd)));
      }
    }
    return b.build();
  }

  private static ObjectValue map(Message msg, FieldDescriptor fd, int n) {
    FieldDescriptor keyFd = fd.getMessageType().findFieldByNumber(1);
    FieldDescriptor valueFd = fd.getMessageType().findFieldByNumber(2);
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (int i = 0; i < n; i++) {
      Message entry = (Message) msg.getRepeatedField(fd, i);
      b.put(
          StringValue.ofKey(String.valueOf(entry.getField(keyFd))),
          single(valueFd, entry.getField(valueFd)));
    }
    return b.build();
  }

  private static ArrayValue list(Message msg, FieldDescriptor fd, int n) {
    Value[] out = new Value[n];
    for (int i = 0; i < n; i++) {
      out[i] = single(fd, msg.getRepeatedField(fd, i));
    }
    return ArrayValue.wrap(out);
  }

  private static Value single(FieldDescriptor fd, Object v) {
    return switch (fd.getJavaType()) {
      case MESSAGE -> message((Message) v);
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
