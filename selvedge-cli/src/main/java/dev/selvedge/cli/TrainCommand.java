package dev.selvedge.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * Hidden: exercises the common command paths once so the launcher can record a JVM start-up cache
 * (AOT cache or CDS archive) holding the classes they load. Output is discarded.
 */
final class TrainCommand implements Command {
  private final Cli cli;

  TrainCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "__train";
  }

  @Override
  public String summary() {
    return "record the JVM start-up cache (used by the launcher)";
  }

  @Override
  public boolean hidden() {
    return true;
  }

  @Override
  public void configure(Subparser parser) {}

  @Override
  public int run(Namespace ns) {
    Path examples = cli.workingDir().resolve("examples");
    if (!Files.isDirectory(examples.resolve("shop"))) {
      return ExitCode.INPUT;
    }
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    // A throwaway store and key directory: training must not touch the user's.
    Path scratch;
    try {
      scratch = Files.createTempDirectory("selvedge-train");
    } catch (java.io.IOException e) {
      return ExitCode.INPUT;
    }
    java.util.Map<String, String> env = new java.util.HashMap<>(cli.environment());
    env.put("SELVEDGE_HOME", scratch.toString());
    env.remove("SELVEDGE_STORE_URL");
    Cli quiet = new Cli(sink, sink, env, cli.workingDir());
    String[][] runs = {
      {"config", "--project-directory", "examples/shop"},
      {"config", "--project-directory", "examples/shop", "--format", "json"},
      {"verify", "--project-directory", "examples/shop"},
      {"verify", "--project-directory", "examples/unsafe", "--format", "json"},
      {"verify", "--project-directory", "examples/unsafe", "--format", "sarif"},
      {"config", "--project-directory", "examples/unsafe", "--bad-flag"},
      // With no engine these stop at the connection error; with one they read the (absent)
      // containers and probe the example's loopback readback URLs. Either way the classes load.
      {"drift", "--project-directory", "examples/shop", "--format", "json"},
      {"status", "--project-directory", "examples/shop"},
      // The store (H2 open, schema check, queries) and the planning path.
      {"history", "--project-directory", "examples/shop"},
      {"plan", "--project-directory", "examples/shop", "--format", "json"},
      // Refused by verify after the store is open: no image is pulled, nothing changes.
      {"apply", "--project-directory", "examples/unsafe"},
      {"--help"},
    };
    try {
      for (String[] args : runs) {
        Main.run(quiet, args);
      }
    } finally {
      deleteTree(scratch);
    }
    return ExitCode.OK;
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // A leftover temporary directory is harmless.
    }
  }
}
