package dev.selvedge.operations;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Loads a contract written inline into a temporary project directory. */
final class OperationsFixtures {
  private OperationsFixtures() {}

  static Project load(Path dir, String compose, Map<String, String> env) {
    try {
      Files.writeString(dir.resolve("compose.yaml"), compose);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ComposeLoader.load(LoadOptions.of(dir).withEnvironment(env));
  }
}
