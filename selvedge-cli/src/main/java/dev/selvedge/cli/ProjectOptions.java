package dev.selvedge.cli;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.contract.yaml.YamlReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.ArgumentGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** The project-selection flags, named as in {@code docker compose}. */
final class ProjectOptions {
  private ProjectOptions() {}

  static void configure(Subparser parser) {
    ArgumentGroup g = parser.addArgumentGroup("project selection (as in docker compose)");
    g.addArgument("-f", "--file")
        .dest("files")
        .action(Arguments.append())
        .metavar("FILE")
        .help("Compose file; repeat to merge several in order (default: compose.yaml, ...)");
    g.addArgument("-p", "--project-name")
        .dest("project_name")
        .metavar("NAME")
        .help("project name (default: COMPOSE_PROJECT_NAME, name: in the file, the directory)");
    g.addArgument("--project-directory")
        .dest("project_directory")
        .metavar("DIR")
        .help("project directory (default: the directory of the first file)");
    g.addArgument("--env-file")
        .dest("env_files")
        .action(Arguments.append())
        .metavar("FILE")
        .help("variables for interpolation (default: .env in the project directory)");
    g.addArgument("--profile")
        .dest("profiles")
        .action(Arguments.append())
        .metavar("PROFILE")
        .help("enable services of this profile; repeatable");
  }

  static LoadOptions toLoadOptions(Namespace ns, Map<String, String> env, Path workingDir) {
    String dir = ns.getString("project_directory");
    return new LoadOptions(
        paths(ns.getList("files")),
        dir == null ? null : Path.of(dir),
        ns.getString("project_name"),
        paths(ns.getList("env_files")),
        new LinkedHashSet<>(strings(ns.getList("profiles"))),
        env,
        workingDir);
  }

  static Project load(Namespace ns, Cli cli) {
    return ComposeLoader.load(toLoadOptions(ns, cli));
  }

  /** The options, with standard input read for {@code -f -} as docker compose does. */
  static LoadOptions toLoadOptions(Namespace ns, Cli cli) {
    LoadOptions options = toLoadOptions(ns, cli.environment(), cli.workingDir());
    if (!options.files().contains(Path.of(ComposeLoader.STDIN))) {
      return options;
    }
    return options.withSources(SourceFiles.withStdin(options.sources(), readStdin(cli)));
  }

  /** All of standard input, refused past the size a Compose file may have. */
  private static byte[] readStdin(Cli cli) {
    try {
      byte[] bytes = cli.in().readNBytes(YamlReader.MAX_BYTES + 1);
      if (bytes.length > YamlReader.MAX_BYTES) {
        throw new ContractException(
            Mark.of("stdin"),
            "",
            "more than " + (YamlReader.MAX_BYTES >> 20) + " MiB; refusing to read it");
      }
      return bytes;
    } catch (IOException e) {
      throw new ContractException(Mark.of("stdin"), "", "cannot read: " + e.getMessage(), e);
    }
  }

  private static List<Path> paths(List<Object> values) {
    return strings(values).stream().map(Path::of).toList();
  }

  private static List<String> strings(List<Object> values) {
    return values == null ? List.of() : values.stream().map(String::valueOf).toList();
  }
}
