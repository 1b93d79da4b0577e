package dev.selvedge.cli;

import dev.selvedge.docker.TrainingEngine;
import dev.selvedge.port.DockerEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
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

  /**
   * The launcher keeps one AOT cache per family of commands: a JDK 25 AOT cache loads and links
   * every class it holds at start-up, so a cache trained on everything made {@code drift} pay for
   * the store's classes (measured: 65 ms instead of 40 ms before {@code main}).
   */
  enum Family {
    /** config, verify, help and version. */
    CONTRACT,
    /** Commands that read the engine: status, drift (trained), logs, probe (share the cache). */
    LIVE,
    /** Commands that use the store: plan, apply, rollback, history, restart, stop, start, down. */
    OPERATE,
    /** All of them (the default). */
    ALL
  }

  @Override
  public void configure(Subparser parser) {
    parser
        .addArgument("family")
        .nargs("?")
        .choices("contract", "live", "operate", "all")
        .setDefault("all")
        .help("which commands to exercise");
  }

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
    } catch (IOException e) {
      return ExitCode.INPUT;
    }
    java.util.Map<String, String> env = new java.util.HashMap<>(cli.environment());
    env.put("SELVEDGE_HOME", scratch.toString());
    env.remove("SELVEDGE_STORE_URL");
    Cli quiet = new Cli(sink, sink, env, cli.workingDir());
    Path override = scratch.resolve("compose.override.yaml");
    try {
      Files.writeString(
          override,
          "services:\n  web:\n    environment:\n      EXTRA: \"1\"\n    labels: [\"a=b\"]\n"
              + "    ports: [\"127.0.0.1:18088:80\"]\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      deleteTree(scratch);
      return ExitCode.INPUT;
    }
    Family family = Family.valueOf(ns.getString("family").toUpperCase(java.util.Locale.ROOT));
    String[][] contract = {
      {"config", "--project-directory", "examples/shop"},
      {"config", "--project-directory", "examples/shop", "--format", "json"},
      {"verify", "--project-directory", "examples/shop"},
      {"verify", "--project-directory", "examples/unsafe", "--format", "json"},
      {"verify", "--project-directory", "examples/unsafe", "--format", "sarif"},
      {"config", "--project-directory", "examples/unsafe", "--bad-flag"},
      // Two files merged, as with the compose.override.yaml most projects have.
      {"config", "-f", "examples/shop/compose.yaml", "-f", override.toString()},
      {"--help"},
    };
    String[][] live = {
      // With no engine these stop at the connection error; with one they read the (absent)
      // containers and probe the example's loopback readback URLs. Either way the classes load.
      {"drift", "--project-directory", "examples/shop", "--format", "json"},
      {"status", "--project-directory", "examples/shop"},
      {"drift", "--bad-flag"},
    };
    String[][] operate = {
      // The store (H2 open, schema check, queries) and the planning path.
      {"history", "--project-directory", "examples/shop"},
      {"plan", "--project-directory", "examples/shop", "--format", "json"},
      // Refused by verify after the store is open: no image is pulled, nothing changes.
      {"apply", "--project-directory", "examples/unsafe"},
      {"apply", "--help"},
    };
    List<String[]> runs = new ArrayList<>();
    if (family == Family.CONTRACT || family == Family.ALL) {
      runs.addAll(List.of(contract));
    }
    if (family == Family.LIVE || family == Family.ALL) {
      runs.addAll(List.of(live));
    }
    if (family == Family.OPERATE || family == Family.ALL) {
      runs.addAll(List.of(operate));
    }
    try {
      for (String[] args : runs) {
        Main.run(quiet, args);
      }
      if (family == Family.LIVE || family == Family.ALL) {
        liveAgainstCannedEngine(quiet, scratch.resolve("live"), cli.err());
      }
    } finally {
      deleteTree(scratch);
    }
    return ExitCode.OK;
  }

  /**
   * {@code drift} and {@code status} on a generated stack read from {@link TrainingEngine}, with
   * readbacks answered by a loopback server, so the engine read, inspect parsing, layer comparison
   * and report paths all run during training (against the examples they stop at an empty project,
   * or at the connection error when no engine runs). Best effort: training must not fail, but a
   * canned run that breaks is reported on {@code err} (the launcher keeps it in the cache's log).
   */
  private static void liveAgainstCannedEngine(Cli quiet, Path dir, PrintWriter err) {
    try (ServerSocket readback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> answerReadbacks(readback), "training-readback");
      server.setDaemon(true);
      server.start();
      Files.createDirectories(dir);
      List<String> services = new ArrayList<>();
      for (int i = 1; i <= TRAINING_SERVICES; i++) {
        services.add("svc" + i);
      }
      Files.writeString(
          dir.resolve("compose.yaml"),
          trainingCompose(services, TRAINING_PORT, readback.getLocalPort()),
          StandardCharsets.UTF_8);
      // Most projects have an override file: its merge runs too (it repeats what the base says).
      Files.writeString(
          dir.resolve("compose.override.yaml"),
          "services:\n  svc1:\n    restart: unless-stopped\n",
          StandardCharsets.UTF_8);
      Files.writeString(
          dir.resolve(".env"), "API_TOKEN=training-only-not-a-secret\n", StandardCharsets.UTF_8);
      Files.createDirectories(dir.resolve("www"));
      String project = "selvedge-training";
      String root = dir.toString();
      Function<Namespace, DockerEngine> engine =
          ns -> TrainingEngine.of(project, root, services, TRAINING_PORT);
      String[][] runs = {
        {"drift", "--project-directory", root, "-p", project, "--format", "json"},
        {"drift", "--project-directory", root, "-p", project},
        {"status", "--project-directory", root, "-p", project},
        {"drift", "--project-directory", root, "-p", project, "--format", "json"},
      };
      for (String[] args : runs) {
        LiveCommand.View view =
            args[0].equals("drift") ? LiveCommand.View.DRIFT : LiveCommand.View.STATUS;
        LiveCommand command = new LiveCommand(quiet, view, engine);
        ArgumentParser parser = Main.parserFor("selvedge", quiet).build();
        command.configure(parser.addSubparsers().addParser(args[0]));
        command.run(parser.parseArgs(args));
      }
    } catch (IOException | ArgumentParserException | RuntimeException e) {
      err.println("training: " + e);
    }
  }

  private static final int TRAINING_SERVICES = 12;
  private static final int TRAINING_PORT = 18080;

  private static String trainingCompose(List<String> services, int basePort, int readbackPort) {
    // The obsolete top-level version (a warning) is in most real files.
    StringBuilder yaml = new StringBuilder("version: \"3.8\"\nvolumes:\n  data: {}\nservices:\n");
    for (int i = 0; i < services.size(); i++) {
      String s = services.get(i);
      yaml.append("  ")
          .append(s)
          .append(":\n    image: selvedge-training/app:1\n")
          .append("    command: [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n")
          .append("    ports: [\"127.0.0.1:")
          .append(basePort + i)
          .append(":8080\"]\n")
          .append("    volumes: [\"./www:/www:ro\", \"data:/data\"]\n")
          .append("    environment:\n      INDEX: \"")
          .append(i + 1)
          // One service drifts, so the finding paths run too.
          .append(i == 1 ? "\"\n      MODE: staging\n" : "\"\n      MODE: prod\n")
          .append("      API_TOKEN: ${API_TOKEN}\n")
          .append("    labels:\n      dev.selvedge.training: \"1\"\n")
          .append("    restart: unless-stopped\n")
          .append("    healthcheck:\n")
          .append("      test: [\"CMD\", \"wget\", \"-q\", \"-O-\",")
          .append(" \"http://127.0.0.1:8080/healthz\"]\n")
          .append("      interval: 30s\n      timeout: 5s\n      retries: 3\n")
          .append("      start_period: 10s\n")
          .append("    x-selvedge:\n      readback:\n        health: http://127.0.0.1:")
          .append(readbackPort)
          .append("/healthz\n        expect: {status: ok}\n");
    }
    return yaml.toString();
  }

  /** A loopback HTTP server that answers every request with a healthy readback. */
  private static void answerReadbacks(ServerSocket server) {
    byte[] answer =
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n"
                + "Connection: close\r\n\r\n{\"status\":\"ok\"}\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        s.setSoTimeout(2000);
        InputStream in = s.getInputStream();
        int matched = 0;
        int b;
        // Up to the blank line that ends the request head.
        while (matched < 4 && (b = in.read()) >= 0) {
          matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        s.getOutputStream().write(answer);
      } catch (IOException e) {
        // closed at the end of training, or a probe gave up
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: left for the system to clean
    }
  }
}
