package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's commands load no class of the server (Javalin, Jetty, Micrometer, Kotlin, our server
 * module): a short command must not pay for the control plane. Checked on the built jar with the
 * JVM's own class-loading log; {@code serve} is the control that the log shows them when they load.
 */
class ServerClassesIT {
  private static final List<String> SERVER_PACKAGES =
      List.of(
          "io.javalin.", "org.eclipse.jetty.", "io.micrometer.", "kotlin.", "dev.selvedge.server.");

  @TempDir Path tmp;

  @Test
  void versionVerifyAuditAndParityLoadNoServerClass() throws Exception {
    Path compose = tmp.resolve("compose.yaml");
    Files.writeString(
        compose, "name: tiny\nservices:\n  web:\n    image: nginx:1.27\n", StandardCharsets.UTF_8);
    String store = "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE";
    // Two nodes whose engines are not there: parity reads, compares and reports them unreadable.
    Path fleet = tmp.resolve("fleet.yaml");
    String node =
        "    engine: unix://" + tmp.resolve("none.sock") + "\n    stacks: {tiny: {contract: .}}\n";
    Files.writeString(fleet, "nodes:\n  a:\n" + node + "  b:\n" + node, StandardCharsets.UTF_8);
    for (List<String> args :
        List.of(
            List.of("--version"),
            List.of("parity", "--fleet", fleet.toString(), "a", "b", "--format", "json"),
            List.of("verify", "-f", compose.toString()),
            List.of("audit", "--store", store, "--format", "jsonl"),
            List.of(
                "rollout",
                "--fleet",
                fleet.toString(),
                "--stack",
                "tiny",
                "--store",
                store,
                "--waves",
                "100%",
                "--force"))) {
      List<String> loaded = loadedClasses(args);
      assertThat(loaded).as("%s loaded classes", args).contains("dev.selvedge.cli.ServeCommand");
      assertThat(loaded)
          .as("%s loaded server classes", args)
          .noneMatch(c -> SERVER_PACKAGES.stream().anyMatch(c::startsWith));
    }
  }

  @Test
  void fleetUpdatesLoadsNoServerClass() throws Exception {
    // A followed tag on a loopback registry that is not there (port 1): the check runs through the
    // registry client and the auto-update use case, reports the registry unreachable (exit 2).
    Path contract = Files.createDirectories(tmp.resolve("upd"));
    Files.writeString(
        contract.resolve("compose.yaml"),
        "name: tiny\nservices:\n  web:\n    image: 127.0.0.1:1/tiny/web:1\n",
        StandardCharsets.UTF_8);
    Path fleet = tmp.resolve("updates.yaml");
    Files.writeString(
        fleet,
        "nodes:\n  a:\n    engine: unix://"
            + tmp.resolve("none.sock")
            + "\n    stacks:\n      tiny:\n        contract: upd\n        auto_update:"
            + " {schedule: \"0 3 * * *\", services: [web]}\n",
        StandardCharsets.UTF_8);
    String store = "jdbc:h2:file:" + tmp.resolve("store/selvedge") + ";AUTO_SERVER=TRUE";
    List<String> args = List.of("fleet", "updates", "--fleet", fleet.toString(), "--store", store);
    List<String> loaded = loadedClasses(args);
    assertThat(Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8))
        .contains("tiny web: failed: cannot reach registry 127.0.0.1:1");
    assertThat(loaded)
        .contains("dev.selvedge.fleet.update.AutoUpdate", "dev.selvedge.docker.RegistryClient");
    assertThat(loaded)
        .as("%s loaded server classes", args)
        .noneMatch(c -> SERVER_PACKAGES.stream().anyMatch(c::startsWith));
  }

  @Test
  void serveDoesLoadThem() throws Exception {
    // A fleet file that does not exist: serve fails at once (exit 2), after reaching its module.
    List<String> loaded =
        loadedClasses(List.of("serve", "--fleet", tmp.resolve("none.yaml").toString()));
    assertThat(loaded).contains("dev.selvedge.server.Serve");
  }

  private List<String> loadedClasses(List<String> args) throws IOException, InterruptedException {
    Path jar = Path.of("target", "selvedge.jar").toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "no " + jar + ": run through mvn verify");
    Path log = tmp.resolve("classes-" + System.nanoTime() + ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xlog:class+load=info:file=" + log,
                "-jar",
                jar.toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SELVEDGE_HOME", tmp.resolve("home").toString());
    pb.redirectOutput(tmp.resolve("out.txt").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    List<String> classes = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      // [0.012s][info][class,load] java.lang.Object source: shared objects file
      int at = line.indexOf("[class,load] ");
      if (at >= 0) {
        String rest = line.substring(at + "[class,load] ".length());
        int space = rest.indexOf(' ');
        classes.add(space < 0 ? rest : rest.substring(0, space));
      }
    }
    assertThat(classes).as("class log of %s", args).isNotEmpty();
    return classes;
  }
}
