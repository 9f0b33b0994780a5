package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The accessor-read Envoy types ({@link AttributeContext} and the messages in it) give the value
 * the descriptor walk gives, on messages with random fields set: present or absent, default values
 * set explicitly, empty and non-empty maps, nested messages the walk reads. A field the typed
 * readers leave out, read twice or name wrongly makes some message differ.
 */
class ProtoValuesTest {

  @Test
  void theEnvoyTypesAreReadThroughTheirAccessors() {
    assertThat(ProtoValues.TYPED).isTrue();
  }

  @Test
  void randomAttributeContextsReadAsTheDescriptorWalkReadsThem() {
    Random random = new Random(15);
    for (int i = 0; i < 5_000; i++) {
      AttributeContext.Builder b = AttributeContext.newBuilder();
      fill(b, random, 0);
      AttributeContext a = b.build();
      ObjectValue walked = ProtoValues.walk(a);
      ObjectValue typed = ProtoValues.message(a);
      assertThat(typed).as("message %d: %s", i, a).isEqualTo(walked);
      assertThat(Json.write(typed)).isEqualTo(Json.write(walked));
    }
  }

  @Test
  void eachTypedMessageAloneReadsAsTheWalkReadsIt() {
    Random random = new Random(9);
    List<Message.Builder> kinds =
        List.of(
            AttributeContext.Peer.newBuilder(),
            AttributeContext.Request.newBuilder(),
            AttributeContext.HttpRequest.newBuilder());
    for (int i = 0; i < 3_000; i++) {
      Message.Builder b = kinds.get(i % kinds.size()).clone().clear();
      fill(b, random, 1);
      Message m = b.build();
      assertThat(ProtoValues.message(m)).as("message %d: %s", i, m).isEqualTo(ProtoValues.walk(m));
    }
  }

  @Test
  void anEmptyContextIsAnEmptyObject() {
    assertThat(ProtoValues.message(AttributeContext.getDefaultInstance()))
        .isEqualTo(ProtoValues.walk(AttributeContext.getDefaultInstance()))
        .isEqualTo(new ObjectValue.Builder().build());
  }

  /** Sets each field of {@code b} with some probability, messages down to a few levels. */
  private static void fill(Message.Builder b, Random random, int depth) {
    for (FieldDescriptor fd : b.getDescriptorForType().getFields()) {
      if (random.nextInt(10) < 3) {
        continue;
      }
      if (fd.isMapField()) {
        int n = random.nextInt(4);
        for (int k = 0; k < n; k++) {
          Message.Builder entry = b.newBuilderForField(fd);
          FieldDescriptor key = fd.getMessageType().findFieldByNumber(1);
          FieldDescriptor value = fd.getMessageType().findFieldByNumber(2);
          entry.setField(key, scalar(key, random));
          if (value.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            if (depth < 3) {
              Message.Builder v = entry.newBuilderForField(value);
              fill(v, random, depth + 1);
              entry.setField(value, v.build());
            }
          } else {
            entry.setField(value, scalar(value, random));
          }
          b.addRepeatedField(fd, entry.build());
        }
      } else if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (depth >= 3) {
          continue;
        }
        int n = fd.isRepeated() ? random.nextInt(3) : 1;
        for (int k = 0; k < n; k++) {
          Message.Builder v = b.newBuilderForField(fd);
          fill(v, random, depth + 1);
          if (fd.isRepeated()) {
            b.addRepeatedField(fd, v.build());
          } else {
            b.setField(fd, v.build());
          }
        }
      } else if (fd.isRepeated()) {
        int n = random.nextInt(3);
        for (int k = 0; k < n; k++) {
          b.addRepeatedField(fd, scalar(fd, random));
        }
      } else {
        b.setField(fd, scalar(fd, random));
      }
    }
  }

  /** A random value of a scalar field's type; one time in four its default. */
  private static Object scalar(FieldDescriptor fd, Random random) {
    boolean zero = random.nextInt(4) == 0;
    return switch (fd.getJavaType()) {
      case STRING -> zero ? "" : text(random);
      case BOOLEAN -> !zero;
      case INT -> zero ? 0 : random.nextInt();
      case LONG -> zero ? 0L : random.nextLong();
      case FLOAT -> zero ? 0f : random.nextFloat() * 1000;
      case DOUBLE -> zero ? 0d : random.nextDouble() * 1e6;
      case BYTE_STRING -> zero ? ByteString.EMPTY : ByteString.copyFromUtf8(text(random));
      case ENUM -> {
        var values = fd.getEnumType().getValues();
        yield values.get(zero ? 0 : random.nextInt(values.size()));
      }
      case MESSAGE -> throw new IllegalArgumentException(fd.getFullName() + " is a message");
    };
  }

  private static String text(Random random) {
    String[] words = {"x-request-id", "GET", "/v1/chat", "é", "spiffe://a/b", "a b", "", "7"};
    return words[random.nextInt(words.length)] + random.nextInt(100);
  }
}
