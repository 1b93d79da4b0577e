package dev.selvedge.cli;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The project-selection flags, named as in {@code docker compose}. */
final class ProjectOptions {
  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "Compose file; repeat to merge several in order (default: compose.yaml, ...)")
  List<Path> files = new ArrayList<>();

  @Option(
      names = {"-p", "--project-name"},
      paramLabel = "NAME",
      description = "Project name (default: name: in the file, else the directory name)")
  String projectName;

  @Option(
      names = "--project-directory",
      paramLabel = "DIR",
      description = "Project directory (default: the directory of the first file)")
  Path projectDirectory;

  @Option(
      names = "--env-file",
      paramLabel = "FILE",
      description =
          "Environment file(s) for interpolation (default: .env in the project directory)")
  List<Path> envFiles = new ArrayList<>();

  @Option(
      names = "--profile",
      paramLabel = "PROFILE",
      description = "Enable services of this profile; repeatable")
  List<String> profiles = new ArrayList<>();

  LoadOptions toLoadOptions(Map<String, String> environment, Path workingDir) {
    return new LoadOptions(
        files,
        projectDirectory,
        projectName,
        envFiles,
        new LinkedHashSet<>(profiles),
        environment,
        workingDir);
  }

  Project load(Map<String, String> environment, Path workingDir) {
    return ComposeLoader.load(toLoadOptions(environment, workingDir));
  }
}
