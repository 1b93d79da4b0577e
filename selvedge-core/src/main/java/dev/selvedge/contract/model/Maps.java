package dev.selvedge.contract.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Order-preserving unmodifiable copies; values may be null (an environment key with no value). */
final class Maps {
  private Maps() {}

  static <V> Map<String, V> copy(Map<String, V> in) {
    if (in == null || in.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(in));
  }
}
