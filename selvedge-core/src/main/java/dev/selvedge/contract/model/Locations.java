package dev.selvedge.contract.model;

import dev.selvedge.contract.yaml.Mark;
import java.util.Map;

/**
 * Where each key of the contract was written, looked up by dotted path ({@code
 * services.api.ports[0]}). Looked up on demand: most runs ask for a handful of locations, and
 * indexing every key of a large project up front cost more than loading it.
 */
@FunctionalInterface
public interface Locations {
  Locations NONE = path -> null;

  /** The mark of exactly this path, or null when it was not written in a file. */
  Mark find(String path);

  /** A fixed table, for tests and for projects built in code. */
  static Locations of(Map<String, Mark> table) {
    Map<String, Mark> copy = Map.copyOf(table);
    return copy::get;
  }
}
