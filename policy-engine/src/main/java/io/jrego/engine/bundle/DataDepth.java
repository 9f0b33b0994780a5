package io.jrego.engine.bundle;

import java.util.Iterator;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;

/**
 * Checks how deeply a data file nests its arrays and objects before anything recursive reads it, in
 * one linear pass that keeps no stack, so a 100,000-deep {@code data.json} is refused with an error
 * naming the limit instead of overflowing the loading thread's stack.
 */
final class DataDepth {

  private DataDepth() {}

  /** JSON: brackets and braces outside strings. Malformed JSON is left for the parser to report. */
  static void checkJson(String file, byte[] json, int max) throws BundleException {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < json.length; i++) {
      byte c = json[i];
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '[' || c == '{') {
        if (++depth > max) {
          throw tooDeep(file, max);
        }
      } else if (c == ']' || c == '}') {
        depth--;
      }
    }
  }

  /** YAML: collection start and end events from SnakeYAML's parser, which keeps no recursion. */
  static void checkYaml(String file, String yaml, int max, LoadSettings settings)
      throws BundleException {
    int depth = 0;
    Iterator<Event> events = new Parse(settings).parseString(yaml).iterator();
    while (events.hasNext()) {
      switch (events.next().getEventId()) {
        case MappingStart, SequenceStart -> {
          if (++depth > max) {
            throw tooDeep(file, max);
          }
        }
        case MappingEnd, SequenceEnd -> depth--;
        default -> {}
      }
    }
  }

  private static BundleException tooDeep(String file, int max) {
    return BundleException.limit(
        file + ": data nested more than " + max + " levels deep (BundleLimits.maxDepth)");
  }
}
