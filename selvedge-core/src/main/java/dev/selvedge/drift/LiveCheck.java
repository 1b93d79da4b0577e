package dev.selvedge.drift;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.DotEnv;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.HttpProbe;
import dev.selvedge.port.ImageDetails;
import dev.selvedge.port.LocalHost;
import dev.selvedge.verify.EnvExample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The live check behind {@code status} and {@code drift}, for the CLI and the server alike: reads
 * the four layers (the repo contract, the deploy directory on the engine's host, the project's
 * containers with one list call, one inspect each and one per distinct image, and the readback
 * endpoints) and compares them with {@link DriftChecker}.
 *
 * <p>One instance serves any number of checks, at once too: the threads for background reads and
 * the clock are the caller's, given once, so a server running thousands of checks shares them.
 *
 * <pre>{@code
 * LiveCheck check = new LiveCheck(executor, Clock.systemUTC(), new SocketHttpProbe());
 * DriftReport report = check.run(new LiveCheck.Request(options, null, true, env, fingerprints), engine);
 * }</pre>
 */
public final class LiveCheck {
  /** The label Compose puts the project's name in. */
  public static final String PROJECT_LABEL = "com.docker.compose.project";

  /** At most this many container inspects of one check in flight. */
  private static final int INSPECT_CONNECTIONS = 4;

  private final Executor background;
  private final Clock clock;
  private final HttpProbe probe;
  private final ProjectCache projects;

  /**
   * @param background runs the reads that overlap (the engine's layer while the files are read, the
   *     readbacks while the engine is read, container inspects a few at a time); no task on it
   *     waits for another task on it, so a bounded executor cannot deadlock a check (one with few
   *     threads only serialises what would overlap)
   * @param clock when a report is taken
   * @param probe the HTTP client of the readback layer
   */
  public LiveCheck(Executor background, Clock clock, HttpProbe probe) {
    this(background, clock, probe, new ProjectCache(ProjectCache.DEFAULT_CAPACITY));
  }

  /**
   * @param projects where loaded contracts are kept between checks (both sides: the repo's and the
   *     deploy directory's); a project is served again only when its files, environment and options
   *     are unchanged
   */
  public LiveCheck(Executor background, Clock clock, HttpProbe probe, ProjectCache projects) {
    this.background = Objects.requireNonNull(background, "background");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.projects = Objects.requireNonNull(projects, "projects");
  }

  /**
   * What to check.
   *
   * @param repo the repo contract's load options (files, project name, env files, working
   *     directory); its environment is replaced by {@code environment} merged over the host's
   *     {@code .env}
   * @param deployDir where the stack is materialized on the engine's host, absolute; null = the
   *     project directory
   * @param readback whether to read the application layer ({@code x-selvedge.readback} URLs)
   * @param environment the process environment: wins over the host's {@code .env}, as in Compose
   * @param fingerprints the keyed fingerprints secrets are compared by
   */
  public record Request(
      LoadOptions repo,
      Path deployDir,
      boolean readback,
      Map<String, String> environment,
      Fingerprints fingerprints) {
    public Request {
      Objects.requireNonNull(repo, "repo");
      environment = environment == null ? Map.of() : environment;
      Objects.requireNonNull(fingerprints, "fingerprints");
    }

    /** Never the environment: it holds the process's secrets. */
    @Override
    public String toString() {
      return "LiveCheck.Request[deployDir=" + deployDir + ", readback=" + readback + "]";
    }
  }

  /**
   * Reads and compares the layers through {@code engine}, which the caller owns (and closes, if it
   * should be closed: once this returns, no read of this check is still using it).
   *
   * @throws SelvedgeException (contract errors, an unreachable engine, a deploy directory with no
   *     Compose file) when a layer cannot be read
   */
  public DriftReport run(Request request, DockerEngine engine) {
    return new DriftChecker(request.fingerprints(), clock).check(read(request, engine));
  }

  /**
   * Reads the layers as {@link #run} does, without comparing them: what {@code selvedge parity}
   * compares between two nodes. The input holds secret values as read: never print it.
   *
   * @throws SelvedgeException when a layer cannot be read (as {@link #run})
   */
  public DriftInput read(Request request, DockerEngine engine) {
    LoadOptions repoOptions = request.repo();
    Map<String, String> environment = request.environment();
    Path projectDir = ComposeLoader.projectDirectory(repoOptions);
    Path deployDir = request.deployDir() != null ? request.deployDir() : projectDir;
    CompletableFuture<EngineLayer> early = null;
    try {
      // When the project name is known before the files are read (-p, or COMPOSE_PROJECT_NAME in
      // the environment), the containers are read while the files are: the engine's answers and
      // their parsing overlap the host's and the YAML work instead of following them.
      String knownName = knownProjectName(repoOptions, environment);
      early =
          knownName == null
              ? null
              : CompletableFuture.supplyAsync(() -> readEngine(engine, knownName), background);
      // The same files as the repo side (-f names relative to the project directory), or
      // discovery when the repo side discovered too.
      List<Path> hostComposeFiles = new ArrayList<>();
      for (Path f : repoOptions.files()) {
        Path abs = repoOptions.workingDir().resolve(f).normalize();
        hostComposeFiles.add(
            deployDir.resolve(
                abs.startsWith(projectDir) ? projectDir.relativize(abs) : abs.getFileName()));
      }
      // The deploy directory is read where the engine runs: over its SSH session for ssh://,
      // every file the host side may need in one round trip.
      Path hostDotEnv = deployDir.resolve(".env");
      RemoteSourceFiles remote =
          engine
              .remoteHost()
              .filter(h -> !(h instanceof LocalHost))
              .map(h -> new RemoteSourceFiles(h).prefetched(hostAhead(deployDir, hostComposeFiles)))
              .orElse(null);
      SourceFiles hostFiles = remote != null ? remote : SourceFiles.LOCAL;
      // The host layer: what is materialized in the deploy directory, with its own .env.
      Map<String, String> hostEnv = new LinkedHashMap<>();
      Optional<byte[]> envBytes = hostFiles.read(hostDotEnv);
      if (envBytes.isPresent()) {
        hostEnv.putAll(
            DotEnv.read(
                new String(envBytes.get(), StandardCharsets.UTF_8),
                hostDotEnv.toString(),
                environment::get));
      }
      // The repo contract is interpolated with the host's values, so only real differences show.
      Map<String, String> env = new HashMap<>(hostEnv);
      env.putAll(environment);
      // The repo side's reads are noted: the host side reads the same files (env_file, include,
      // extends) in its deploy directory, and those are fetched together before it loads.
      RecordingSourceFiles repoFiles = new RecordingSourceFiles(repoOptions.sources());
      Project repo = projects.load(repoOptions.withEnvironment(env).withSources(repoFiles));
      Project host;
      boolean sameInputs =
          hostFiles == SourceFiles.LOCAL
              && deployDir.equals(Path.of(repo.workingDir()))
              && repoOptions.files().isEmpty()
              && repoOptions.envFiles().isEmpty();
      if (sameInputs) {
        // The deploy directory is the project directory: the same files with the same .env
        // render the same project, so it is not read twice.
        host = repo;
      } else {
        if (remote != null) {
          hostFiles = remote.prefetched(repoFiles.inDirectory(projectDir, deployDir));
        }
        boolean present =
            hostComposeFiles.isEmpty()
                ? !ComposeLoader.discover(deployDir, hostFiles).isEmpty()
                : hostComposeFiles.stream().allMatch(hostFiles::isFile);
        if (!present) {
          throw new SelvedgeException(
              where(engine)
                  + ": no compose file"
                  + (hostComposeFiles.isEmpty() ? "" : " " + hostComposeFiles)
                  + " in the deploy directory "
                  + deployDir
                  + "; point --deploy-dir at where the stack is materialized");
        }
        host =
            projects.load(
                repoOptions
                    .withFiles(hostComposeFiles)
                    .withEnvFiles(List.of())
                    .withProjectDirectory(deployDir)
                    .withProjectName(repo.name())
                    .withSources(hostFiles));
      }
      // Readbacks go out while the engine is read: neither waits for the other.
      Project contract = repo;
      CompletableFuture<List<ReadbackResult>> readbacks =
          request.readback()
              ? CompletableFuture.supplyAsync(
                  () -> Readbacks.read(contract, probe, background), background)
              : CompletableFuture.completedFuture(null);

      EngineLayer live;
      if (early != null && repo.name().equals(knownName)) {
        live = early.join();
      } else {
        if (early != null) {
          early.handle((r, x) -> null).join(); // another name after all: read it again
        }
        live = readEngine(engine, repo.name());
      }
      DriftInput input =
          DriftInput.of(repo, EnvExample.forProject(repo), live.containers())
              .withImages(live.images())
              .withHost(host, hostEnv);
      List<ReadbackResult> results = readbacks.join();
      if (results != null) {
        input = input.withReadbacks(results);
      }
      return input;
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    } finally {
      // A failure before the early read was joined (the host's files, the contract) is the one
      // reported; the engine is left to its owner only once that read is idle.
      if (early != null) {
        early.handle((r, x) -> null).join();
      }
    }
  }

  /** The host files known before anything is read: its .env and the Compose files. */
  private static List<Path> hostAhead(Path deployDir, List<Path> composeFiles) {
    List<Path> paths = new ArrayList<>();
    paths.add(deployDir.resolve(".env"));
    if (composeFiles.isEmpty()) {
      ComposeLoader.DEFAULT_FILES.forEach(name -> paths.add(deployDir.resolve(name)));
      ComposeLoader.OVERRIDE_FILES.forEach(name -> paths.add(deployDir.resolve(name)));
    } else {
      paths.addAll(composeFiles);
    }
    return paths;
  }

  /** The project name the contract will have, when the options alone decide it. */
  private static String knownProjectName(LoadOptions options, Map<String, String> environment) {
    if (options.projectName() != null) {
      return options.projectName();
    }
    String fromEnv = environment.get("COMPOSE_PROJECT_NAME");
    return fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
  }

  /** The project's containers as inspected, and their images. */
  private record EngineLayer(List<ContainerDetails> containers, Map<String, ImageDetails> images) {}

  /** One list call, one inspect per container, one inspect per distinct image. */
  private EngineLayer readEngine(DockerEngine engine, String project) {
    List<ContainerDetails> containers =
        inspectAll(engine, engine.listContainers(Map.of(PROJECT_LABEL, project), true));
    Map<String, ImageDetails> images = new LinkedHashMap<>();
    for (ContainerDetails c : containers) {
      if (c.imageId() != null && !images.containsKey(c.imageId())) {
        engine.inspectImage(c.imageId()).ifPresent(i -> images.put(c.imageId(), i));
      }
    }
    return new EngineLayer(containers, images);
  }

  /**
   * One inspect per container, a few at a time: the engine client gives each concurrent call its
   * own kept-alive connection, so this is still one round trip per container. This thread inspects
   * too, and waits only for inspects already under way: helpers that the executor has not started
   * find nothing left to do.
   */
  private List<ContainerDetails> inspectAll(DockerEngine engine, List<ContainerSummary> listed) {
    if (listed.size() <= 2) {
      List<ContainerDetails> out = new ArrayList<>();
      for (ContainerSummary c : listed) {
        out.add(engine.inspectContainer(c.id()));
      }
      return out;
    }
    try {
      return Parallel.map(
          listed, INSPECT_CONNECTIONS, background, c -> engine.inspectContainer(c.id()));
    } catch (Parallel.Failure f) {
      throw new SelvedgeException("inspecting a container failed: " + f.getCause(), f.getCause());
    }
  }

  private static String where(DockerEngine engine) {
    return engine.remoteHost().map(h -> h.name()).orElse(engine.endpoint());
  }
}
