package dev.selvedge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.port.Deployment;
import dev.selvedge.port.Lease;
import dev.selvedge.port.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on an H2 file database, plus what only a file database has. */
class H2StoreTest extends StoreContract {
  @TempDir Path dir;

  @Override
  protected StoreConfig config() {
    return new StoreConfig(
        "jdbc:h2:file:" + dir.resolve("store/selvedge") + StoreConfig.H2_SETTINGS, null, null);
  }

  @Test
  void theDatabaseDirectoryIsCreatedPrivate() throws IOException {
    Path store = dir.resolve("store");
    assertThat(store).isDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store)))
        .isEqualTo("rwx------");
    assertThat(store.resolve("selvedge.mv.db")).isRegularFile();
  }

  @Test
  void anotherProcessSharesTheFileWhileThisOneHasItOpen() throws Exception {
    Lease mine = store.leases().acquire(HOST, project(), "this-jvm", "apply", TTL);
    Deployment before = store.deployments().begin(Drafts.running(HOST, project()));

    List<String> child = runChild(project());

    // The child reached the database through this process's auto-server ...
    assertThat(child).contains("held by this-jvm");
    assertThat(child).anySatisfy(l -> assertThat(l).startsWith("deployment "));
    long childId =
        Long.parseLong(
            child.stream()
                .filter(l -> l.startsWith("deployment "))
                .findFirst()
                .orElseThrow()
                .substring("deployment ".length()));
    // ... and what it wrote is here.
    assertThat(childId).isGreaterThan(before.id());
    assertThat(store.deployments().find(childId))
        .hasValueSatisfying(d -> assertThat(d.actor()).isEqualTo("child-jvm"));
    assertThat(store.leases().current(HOST, project())).contains(mine);
  }

  @Test
  void aProcessOpensTheFileAfterAnotherClosedIt() throws Exception {
    store.close();
    List<String> child = runChild(project());
    assertThat(child).contains("acquired");
    try (Store again = Stores.open(config(), clock)) {
      assertThat(again.deployments().history(HOST, project(), 10))
          .singleElement()
          .satisfies(d -> assertThat(d.actor()).isEqualTo("child-jvm"));
    }
  }

  @Test
  void theAutoServerListensOnLoopbackOnly() throws Exception {
    // A fresh JVM opens the store first, so it serves the file (this JVM's H2 may have started
    // before Stores.open could set h2.bindAddress, as a CLI's never does).
    store.close();
    Process child = startChild(project(), "hold");
    try {
      awaitOpen(child);
      Properties lock = new Properties();
      try (var in = Files.newInputStream(dir.resolve("store/selvedge.lock.db"))) {
        lock.load(in);
      }
      String server = lock.getProperty("server");
      assertThat(server).as("lock file: %s", lock).isNotNull();
      int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));

      try (Socket loopback = new Socket()) {
        loopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      }
      List<InetAddress> others =
          NetworkInterface.networkInterfaces()
              .flatMap(NetworkInterface::inetAddresses)
              .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
              .toList();
      for (InetAddress other : others) {
        try (Socket s = new Socket()) {
          assertThatThrownBy(() -> s.connect(new InetSocketAddress(other, port), 2000))
              .as("port %d reachable on %s", port, other)
              .isInstanceOf(IOException.class);
        }
      }
    } finally {
      child.getOutputStream().close();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      child.destroyForcibly();
    }
  }

  @Test
  void whenTheServingProcessExitsTheOtherCarriesOn() throws Exception {
    store.close();
    Process child = startChild(project(), "hold");
    try {
      awaitOpen(child);
      try (Store mine = Stores.open(config(), clock)) { // through the child's auto-server
        Deployment first = mine.deployments().begin(Drafts.running(HOST, project()));
        child.getOutputStream().close();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child exited").isTrue();

        // The child took its server with it; H2 reconnects, serving the file from here now.
        Deployment second = mine.deployments().begin(Drafts.running(HOST, project()));
        assertThat(mine.deployments().history(HOST, project(), 10))
            .extracting(Deployment::id)
            .containsExactly(second.id(), first.id());
        mine.leases().acquire(HOST, project(), "this-jvm", "apply", TTL);
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void eightProcessesOpeningAndWritingAtOnceAllSucceed() throws Exception {
    // Nobody serves the file when they start, and each exits as soon as it is done: the server
    // changes hands while the others are connected or connecting.
    store.close();
    List<Process> children = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      children.add(startChild(project() + "-" + i, "run"));
    }
    for (Process child : children) {
      try {
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as("child exit; output:%n%s", out).isZero();
        assertThat(out).contains("acquired").contains("deployment ");
      } finally {
        child.destroyForcibly();
      }
    }
    try (Store again = Stores.open(config(), clock)) {
      for (int i = 0; i < 8; i++) {
        assertThat(again.deployments().history(HOST, project() + "-" + i, 10)).hasSize(1);
      }
    }
  }

  @Test
  void anEmptyStoreFileIsAnErrorNamingItAndIsLeftAsItIs() throws IOException {
    store.close();
    Path file = dir.resolve("store/selvedge.mv.db");
    Files.write(file, new byte[0]);
    assertThatThrownBy(() -> Stores.open(config(), clock))
        .isInstanceOf(dev.selvedge.SelvedgeException.class)
        .hasMessageContaining("the store file " + file + " is empty")
        .hasMessageContaining("It was left as it is");
    assertThat(file).isEmptyFile();
  }

  @Test
  void aStoreFileThatIsNotAnH2DatabaseIsAnErrorNamingIt() throws IOException {
    store.close();
    Path file = dir.resolve("store/selvedge.mv.db");
    byte[] garbage = "not a database at all\n".repeat(100).getBytes(StandardCharsets.UTF_8);
    Files.write(file, garbage);
    assertThatThrownBy(() -> Stores.open(config(), clock))
        .hasMessageContaining("the store file " + file + " is not an H2 database");
    assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
  }

  private static void awaitOpen(Process child) throws IOException {
    var out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("open")) {
      // skip until the child has the store open
    }
    assertThat(line).as("child opened the store").isEqualTo("open");
  }

  /** Runs {@link StoreChild} in a fresh JVM on this test's database; returns what it printed. */
  private List<String> runChild(String project) throws IOException, InterruptedException {
    Process p = startChild(project, "run");
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as("child exit; output:%n%s", out).isZero();
      return out.lines().toList();
    } finally {
      p.destroyForcibly();
    }
  }

  private Process startChild(String project, String mode) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            StoreChild.class.getName(),
            config().jdbcUrl(),
            clock.instant().toString(),
            HOST,
            project,
            mode)
        .redirectErrorStream(true)
        .start();
  }
}
