package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.DotEnv;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import dev.selvedge.docker.DockerEngines;
import dev.selvedge.drift.DriftChecker;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.drift.ReadbackResult;
import dev.selvedge.drift.Readbacks;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * Reads the four layers for {@code status} and {@code drift}: the repo contract, the deploy
 * directory on the engine's host, the project's containers (one list call, one inspect each, one
 * inspect per distinct image) and the readback endpoints; then compares them.
 */
final class LiveCheck {
  static final String PROJECT_LABEL = "com.docker.compose.project";

  private LiveCheck() {}

  static void configure(Subparser p) {
    ProjectOptions.configure(p);
    RuntimeOptions.configure(p);
    p.addArgument("--deploy-dir")
        .dest("deploy_dir")
        .metavar("DIR")
        .help(
            "where the stack is materialized on the engine's host (default: the project"
                + " directory); read over SSH for ssh:// engines");
    p.addArgument("--no-readback")
        .dest("no_readback")
        .action(net.sourceforge.argparse4j.impl.Arguments.storeTrue())
        .help("skip the application layer (x-selvedge.readback URLs)");
  }

  /**
   * Reads and compares the layers; the engine is the one {@code engines} gives, closed at the end
   * when {@code close} (a shared one is left open).
   */
  static DriftReport run(Namespace ns, Cli cli, Supplier<DockerEngine> engines, boolean close) {
    LoadOptions repoOptions = ProjectOptions.toLoadOptions(ns, cli.environment(), cli.workingDir());
    Path deployDir =
        ns.getString("deploy_dir") != null
            ? cli.workingDir().resolve(ns.getString("deploy_dir")).normalize()
            : ComposeLoader.projectDirectory(repoOptions);
    DockerEngine engine = engines.get();
    CompletableFuture<EngineLayer> early = null;
    try {
      // When the project name is known before the files are read (-p, or COMPOSE_PROJECT_NAME in
      // the environment), the containers are read while the files are: the engine's answers and
      // their parsing overlap the host's and the YAML work instead of following them.
      String knownName = knownProjectName(repoOptions, cli.environment());
      early =
          knownName == null
              ? null
              : CompletableFuture.supplyAsync(
                  () -> EngineLayer.read(engine, knownName), OWN_THREAD);
      // The same files as the repo side (-f names relative to the project directory), or
      // discovery when the repo side discovered too.
      Path projectDir = ComposeLoader.projectDirectory(repoOptions);
      List<Path> hostComposeFiles = new ArrayList<>();
      for (Path f : repoOptions.files()) {
        Path abs = cli.workingDir().resolve(f).normalize();
        hostComposeFiles.add(
            deployDir.resolve(
                abs.startsWith(projectDir) ? projectDir.relativize(abs) : abs.getFileName()));
      }
      // The deploy directory is read where the engine runs: over its SSH session for ssh://,
      // every file the host side may need in one round trip.
      Path hostDotEnv = deployDir.resolve(".env");
      RemoteSourceFiles remote =
          DockerEngines.remoteHost(engine)
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
                cli.environment()::get));
      }
      // The repo contract is interpolated with the host's values, so only real differences show.
      Map<String, String> env = new HashMap<>(hostEnv);
      env.putAll(cli.environment());
      // The repo side's reads are noted: the host side reads the same files (env_file, include,
      // extends) in its deploy directory, and those are fetched together before it loads.
      RecordingSourceFiles repoFiles = new RecordingSourceFiles(repoOptions.sources());
      Project repo = ComposeLoader.load(repoOptions.withEnvironment(env).withSources(repoFiles));
      Project host = null;
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
            ComposeLoader.load(
                repoOptions
                    .withFiles(hostComposeFiles)
                    .withEnvFiles(List.of())
                    .withProjectDirectory(deployDir)
                    .withProjectName(repo.name())
                    .withSources(hostFiles));
      }
      // Readbacks go out while the engine is read: neither waits for the other.
      boolean readback = !Boolean.TRUE.equals(ns.getBoolean("no_readback"));
      SocketHttpProbe probe = new SocketHttpProbe();
      Project contract = repo;
      CompletableFuture<List<ReadbackResult>> readbacks =
          readback
              ? CompletableFuture.supplyAsync(() -> Readbacks.read(contract, probe), OWN_THREAD)
              : CompletableFuture.completedFuture(null);

      EngineLayer live;
      if (early != null && repo.name().equals(knownName)) {
        live = early.join();
      } else {
        if (early != null) {
          early.handle((r, x) -> null).join(); // another name after all: read it again
        }
        live = EngineLayer.read(engine, repo.name());
      }
      DriftInput input =
          DriftInput.of(repo, envExample(repo), live.containers()).withImages(live.images());
      if (host != null) {
        input = input.withHost(host, hostEnv);
      }
      List<ReadbackResult> results = readbacks.join();
      if (results != null) {
        input = input.withReadbacks(results);
      }
      return new DriftChecker(fingerprints(cli), Clock.systemUTC()).check(input);
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    } finally {
      // A failure before the early read was joined (the host's files, the contract) is the one
      // reported; the engine is closed only once that read is idle.
      if (early != null) {
        early.handle((r, x) -> null).join();
      }
      if (close) {
        engine.close();
      }
    }
  }

  /**
   * Each background read on a thread of its own. Not the common pool: on a 2-core machine its
   * parallelism is 1, so the readbacks would queue behind an engine read still in progress.
   */
  private static final Executor OWN_THREAD =
      task -> Thread.ofPlatform().daemon().name("selvedge-live-read").start(task);

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
  private record EngineLayer(List<ContainerDetails> containers, Map<String, ImageDetails> images) {
    /** One list call, one inspect per container, one inspect per distinct image. */
    static EngineLayer read(DockerEngine engine, String project) {
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
  }

  /**
   * One inspect per container, a few at a time: the engine client gives each concurrent call its
   * own kept-alive connection, so this is still one round trip per container.
   */
  private static List<ContainerDetails> inspectAll(
      DockerEngine engine, List<ContainerSummary> listed) {
    if (listed.size() <= 2) {
      List<ContainerDetails> out = new ArrayList<>();
      for (ContainerSummary c : listed) {
        out.add(engine.inspectContainer(c.id()));
      }
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(INSPECT_CONNECTIONS);
    try {
      List<Future<ContainerDetails>> futures = new ArrayList<>();
      for (ContainerSummary c : listed) {
        futures.add(pool.submit(() -> engine.inspectContainer(c.id())));
      }
      List<ContainerDetails> out = new ArrayList<>(listed.size());
      for (Future<ContainerDetails> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SelvedgeException("interrupted while inspecting containers", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new SelvedgeException("inspecting a container failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static final int INSPECT_CONNECTIONS = 4;

  private static String where(DockerEngine engine) {
    return DockerEngines.remoteHost(engine).map(h -> h.name()).orElse(engine.endpoint());
  }

  static Fingerprints fingerprints(Cli cli) {
    return Fingerprints.load(OperateOptions.home(cli));
  }

  private static EnvExample envExample(Project p) {
    return EnvExample.read(Path.of(p.workingDir()).resolve(".env.example"));
  }
}
