package dev.selvedge.contract.compose;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /** Options without an {@code .env.example} fallback. */
  public LoadOptions(
      List<Path> files,
      Path projectDirectory,
      String projectName,
      List<Path> envFiles,
      Set<String> profiles,
      Map<String, String> environment,
      Path workingDir,
      SourceFiles sources) {
    this(
        files,
        projectDirectory,
        projectName,
        envFiles,
        profiles,
        environment,
        workingDir,
        sources,
        null);
  }

  /** Options reading from the local filesystem. */
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
        SourceFiles.LOCAL);
  }

  /** The same options reading files through {@code newSources}. */
  public LoadOptions withSources(SourceFiles newSources) {
    return new LoadOptions(
        files,
        projectDirectory,
        projectName,
        envFiles,
        profiles,
        environment,
        workingDir,
        newSources,
        envExampleFallback);
  }

  /** The same options with other env files ({@code --env-file}). */
  public LoadOptions withEnvFiles(List<Path> newEnvFiles) {
    return new LoadOptions(
        files,
        projectDirectory,
        projectName,
        newEnvFiles,
        profiles,
        environment,
        workingDir,
        sources,
        envExampleFallback);
  }

  /** The same options with another project directory. */
  public LoadOptions withProjectDirectory(Path dir) {
    return new LoadOptions(
        files,
        dir,
        projectName,
        envFiles,
        profiles,
        environment,
        workingDir,
        sources,
        envExampleFallback);
  }

  /** Load {@code dir}'s default compose file with an empty environment: for tests and tools. */
  public static LoadOptions of(Path dir) {
    return new LoadOptions(List.of(), dir, null, List.of(), Set.of(), Map.of(), dir);
  }

  public LoadOptions withFiles(List<Path> newFiles) {
    return new LoadOptions(
        newFiles,
        projectDirectory,
        projectName,
        envFiles,
        profiles,
        environment,
        workingDir,
        sources,
        envExampleFallback);
  }

  public LoadOptions withEnvironment(Map<String, String> env) {
    return new LoadOptions(
        files,
        projectDirectory,
        projectName,
        envFiles,
        profiles,
        env,
        workingDir,
        sources,
        envExampleFallback);
  }

  public LoadOptions withProfiles(Set<String> newProfiles) {
    return new LoadOptions(
        files,
        projectDirectory,
        projectName,
        envFiles,
        newProfiles,
        environment,
        workingDir,
        sources,
        envExampleFallback);
  }

  public LoadOptions withProjectName(String name) {
    return new LoadOptions(
        files,
        projectDirectory,
        name,
        envFiles,
        profiles,
        environment,
        workingDir,
        sources,
        envExampleFallback);
  }

  /**
   * The same options falling back to {@code example}'s keys when there is no {@code .env} (see
   * {@link #envExampleFallback}); null turns the fallback off.
   */
  public LoadOptions withEnvExampleFallback(Path example) {
    return new LoadOptions(
        files,
        projectDirectory,
        projectName,
        envFiles,
        profiles,
        environment,
        workingDir,
        sources,
        example);
  }

  /** Never the environment: it holds the process's secrets. */
  @Override
  public String toString() {
    return "LoadOptions[files=" + files + ", projectDirectory=" + projectDirectory + "]";
  }
}
