package dev.selvedge.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Hidden: exercises the common command paths once so the launcher can record a JVM start-up cache
 * (AOT cache or CDS archive) holding the classes they load. Output is discarded.
 */
@Command(name = "__train", hidden = true)
final class TrainCommand implements Callable<Integer> {
  private final Cli cli;

  TrainCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Path examples = cli.workingDir().resolve("examples");
    if (!Files.isDirectory(examples.resolve("shop"))) {
      return ExitCode.INPUT;
    }
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    Cli quiet = new Cli(sink, sink, cli.environment(), cli.workingDir());
    String[][] runs = {
      {"config", "--project-directory", "examples/shop"},
      {"config", "--project-directory", "examples/shop", "--format", "json"},
      {"verify", "--project-directory", "examples/shop"},
      {"verify", "--project-directory", "examples/unsafe", "--format", "json"},
      {"verify", "--project-directory", "examples/unsafe", "--format", "sarif"},
    };
    for (String[] args : runs) {
      Main.run(quiet, args);
    }
    return ExitCode.OK;
  }
}
