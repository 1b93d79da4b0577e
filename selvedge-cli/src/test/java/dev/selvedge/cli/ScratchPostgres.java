package dev.selvedge.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A PostgreSQL 15 cluster of a test's own, so the test can stop and start it (never the shared
 * cluster on 5432, which other tests use): initdb'd in a temporary directory owned by the postgres
 * user, listening on a loopback port only, trust authentication. Closing it stops it and removes
 * its directory.
 */
final class ScratchPostgres implements AutoCloseable {
  private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

  private final Path dir;
  private final int port;

  private ScratchPostgres(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** A new cluster on {@code port}, started. Skips the test when this host cannot run one. */
  static ScratchPostgres start(int port) throws Exception {
    assumeTrue(Files.isExecutable(BIN.resolve("initdb")), "no PostgreSQL 15 binaries in " + BIN);
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "running PostgreSQL as its own user needs root (runuser)");
    Path dir = Files.createTempDirectory("selvedge-pg-");
    ScratchPostgres pg = new ScratchPostgres(dir, port);
    try {
      TestHost.run(List.of("chown", "postgres:postgres", dir.toString()));
      pg.asPostgres(
          BIN.resolve("initdb").toString(),
          "-D",
          pg.data(),
          "-U",
          "postgres",
          "--auth=trust",
          "--no-sync",
          "-E",
          "UTF8");
      pg.start();
      return pg;
    } catch (Exception | AssertionError e) {
      try {
        pg.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Starts the server and waits until it accepts connections. */
  void start() throws Exception {
    asPostgres(
        BIN.resolve("pg_ctl").toString(),
        "-D",
        data(),
        "-l",
        dir.resolve("server.log").toString(),
        "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
        "-w",
        "-t",
        "60",
        "start");
  }

  /** Stops the server the way an operator's restart does: sessions cut, no waiting for them. */
  void stop() throws Exception {
    asPostgres(BIN.resolve("pg_ctl").toString(), "-D", data(), "-m", "fast", "-w", "stop");
  }

  @Override
  public void close() {
    try {
      try {
        if (Files.isRegularFile(dir.resolve("data").resolve("postmaster.pid"))) {
          stop();
        }
      } finally {
        TestHost.run(List.of("rm", "-rf", dir.toString()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while removing the cluster in " + dir, e);
    } catch (Exception e) {
      throw new IllegalStateException("could not remove the cluster in " + dir, e);
    }
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  private void asPostgres(String... command) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    cmd.addAll(List.of(command));
    TestHost.run(cmd);
  }
}
