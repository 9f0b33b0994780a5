package io.jrego.engine.value;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable map of a few entries with distinct keys, held in one array of keys and values in
 * turn and looked up by a walk over the keys: the storage of {@link ObjectValue#ofDistinct}, for
 * small objects made by the thousand. Nothing is hashed or copied when it is made.
 */
final class PairMap extends AbstractMap<Value, Value> {

  private final Value[] kv;

  /** Takes {@code kv} over: keys at even indices, distinct and non-null, values after each. */
  PairMap(Value[] kv) {
    this.kv = kv;
  }

  @Override
  public int size() {
    return kv.length / 2;
  }

  @Override
  public boolean isEmpty() {
    return kv.length == 0;
  }

  private int indexOf(Object key) {
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i] == key) {
        return i;
      }
    }
    if (key == null) {
      return -1;
    }
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Value get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : kv[i + 1];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public Set<Map.Entry<Value, Value>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return kv.length / 2;
      }

      @Override
      public Iterator<Map.Entry<Value, Value>> iterator() {
        return new Iterator<>() {
          private int i;

          @Override
          public boolean hasNext() {
            return i < kv.length;
          }

          @Override
          public Map.Entry<Value, Value> next() {
            if (i >= kv.length) {
              throw new NoSuchElementException();
            }
            Map.Entry<Value, Value> e = new SimpleImmutableEntry<>(kv[i], kv[i + 1]);
            i += 2;
            return e;
          }
        };
      }
    };
  }
}
