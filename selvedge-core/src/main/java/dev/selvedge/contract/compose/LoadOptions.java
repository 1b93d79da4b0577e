package dev.selvedge.contract.compose;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What to load, mirroring {@code docker compose}'s global flags.
 *
 * @param files {@code -f} files in merge order; empty = discover in the project directory
 * @param projectDirectory {@code --project-directory}; null = the directory of the first file
 * @param projectName {@code -p}; null = {@code COMPOSE_PROJECT_NAME}, then {@code name:}, then the
 *     directory name
 * @param envFiles {@code --env-file}; empty = {@code .env} in the project directory if present
 * @param profiles {@code --profile}; {@code COMPOSE_PROFILES} adds to them
 * @param environment the process environment (it wins over {@code .env})
 * @param workingDir where relative {@code -f} paths start (the shell's working directory)
 * @param sources where files are read from (the local filesystem unless a host's deploy directory
 *     is being read)
 * @param envExampleFallback an {@code .env.example} (relative to the project directory) whose keys
 *     stand in, with placeholder values, when there is no {@code .env} and no {@code --env-file};
 *     null = none. Only for checks that need no real values ({@code verify} in CI); a live command
 *     must never set it.
 */
public record LoadOptions(
    List<Path> files,
    Path projectDirectory,
    String projectName,
    List<Path> envFiles,
    Set<String> profiles,
    Map<String, String> environment,
    Path workingDir,
    SourceFiles sources,
    Path envExampleFallback) {
  public LoadOptions {
    files = files == null ? List.of() : List.copyOf(files);
    envFiles = envFiles == null ? List.of() : List.copyOf(envFiles);
    profiles = profiles == null ? Set.of() : Set.copyOf(profiles);
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    workingDir = workingDir == null ? Path.of("").toAbsolutePath() : workingDir.toAbsolutePath();
    sources = sources == null ? SourceFiles.LOCAL : sources;
  }

  /** Options reading from the local filesystem, with no {@code .env.example} fallback. */
  public LoadOptions(
      List<Path> files,
      Path projectDirectory,
      String projectName,
      List<Path> envFiles,
      Set<String> profiles,
      Map<String, String> environment,
      Path workingDir) {
    this(
        files,
        projectDirectory,
        projectName,
        envFiles,
        profiles,
        environment,
        workingDir,
        SourceFiles.LOCAL,
        null);
  }

  /** Load {@code dir}'s default compose file with an empty environment: for tests and tools. */
  public static LoadOptions of(Path dir) {
    return new LoadOptions(List.of(), dir, null, List.of(), Set.of(), Map.of(), dir);
  }

  /** The same options reading files through {@code newSources}. */
  public LoadOptions withSources(SourceFiles newSources) {
    return with(o -> o.sources = newSources);
  }

  /** The same options with other env files ({@code --env-file}). */
  public LoadOptions withEnvFiles(List<Path> newEnvFiles) {
    return with(o -> o.envFiles = newEnvFiles);
  }

  /** The same options with another project directory. */
  public LoadOptions withProjectDirectory(Path dir) {
    return with(o -> o.projectDirectory = dir);
  }

  public LoadOptions withFiles(List<Path> newFiles) {
    return with(o -> o.files = newFiles);
  }

  public LoadOptions withEnvironment(Map<String, String> env) {
    return with(o -> o.environment = env);
  }

  public LoadOptions withProfiles(Set<String> newProfiles) {
    return with(o -> o.profiles = newProfiles);
  }

  public LoadOptions withProjectName(String name) {
    return with(o -> o.projectName = name);
  }

  /**
   * The same options falling back to {@code example}'s keys when there is no {@code .env} (see
   * {@link #envExampleFallback}); null turns the fallback off.
   */
  public LoadOptions withEnvExampleFallback(Path example) {
    return with(o -> o.envExampleFallback = example);
  }

  /** A copy with {@code change} applied, so each with-method names only the component it sets. */
  private LoadOptions with(Consumer<Draft> change) {
    Draft draft = new Draft(this);
    change.accept(draft);
    return draft.build();
  }

  /** The components of one {@link LoadOptions}, open to change before the next is built. */
  private static final class Draft {
    List<Path> files;
    Path projectDirectory;
    String projectName;
    List<Path> envFiles;
    Set<String> profiles;
    Map<String, String> environment;
    Path workingDir;
    SourceFiles sources;
    Path envExampleFallback;

    Draft(LoadOptions from) {
      files = from.files;
      projectDirectory = from.projectDirectory;
      projectName = from.projectName;
      envFiles = from.envFiles;
      profiles = from.profiles;
      environment = from.environment;
      workingDir = from.workingDir;
      sources = from.sources;
      envExampleFallback = from.envExampleFallback;
    }

    LoadOptions build() {
      return new LoadOptions(
          files,
          projectDirectory,
          projectName,
          envFiles,
          profiles,
          environment,
          workingDir,
          sources,
          envExampleFallback);
    }
  }

  /** Never the environment: it holds the process's secrets. */
  @Override
  public String toString() {
    return "LoadOptions[files=" + files + ", projectDirectory=" + projectDirectory + "]";
  }
}
