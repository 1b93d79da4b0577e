package dev.selvedge.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Containers, networks and volumes for one test class, made with the docker CLI on the local socket
 * and all labelled {@code dev.selvedge.test=1} plus a run id, so {@link #removeAll()} finds every
 * one of them even after a failed test.
 */
final class TestContainers {
  static final String TEST_LABEL = "dev.selvedge.test";
  static final String RUN_LABEL = "dev.selvedge.test.run";

  final String run = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final List<String> networks = new ArrayList<>();
  private final List<String> volumes = new ArrayList<>();

  /** A name unique to this run. */
  String name(String suffix) {
    return "selvedge-" + run + "-" + suffix;
  }

  /** {@code docker run -d} with the test labels; returns the container id. */
  String run(List<String> options, List<String> command) {
    List<String> args = new ArrayList<>(List.of("run", "-d"));
    args.addAll(labels());
    args.addAll(options);
    args.addAll(command);
    return docker(args).strip();
  }

  /** {@code docker create} with the test labels; returns the container id. */
  String create(List<String> options, List<String> command) {
    List<String> args = new ArrayList<>(List.of("create"));
    args.addAll(labels());
    args.addAll(options);
    args.addAll(command);
    return docker(args).strip();
  }

  String network(String suffix) {
    String name = name(suffix);
    docker(List.of("network", "create", "--label", TEST_LABEL + "=1", name));
    networks.add(name);
    return name;
  }

  String volume(String suffix) {
    String name = name(suffix);
    docker(List.of("volume", "create", "--label", TEST_LABEL + "=1", name));
    volumes.add(name);
    return name;
  }

  /** A network made some other way (through the engine under test) to remove with the rest. */
  void ownNetwork(String name) {
    networks.add(name);
  }

  /** A volume made some other way to remove with the rest. */
  void ownVolume(String name) {
    volumes.add(name);
  }

  /** The labels every resource of this run carries. */
  java.util.Map<String, String> labelMap() {
    return java.util.Map.of(TEST_LABEL, "1", RUN_LABEL, run);
  }

  private List<String> labels() {
    return List.of("--label", TEST_LABEL + "=1", "--label", RUN_LABEL + "=" + run);
  }

  /** Removes everything this run made; never throws. */
  void removeAll() {
    try {
      String ids = docker(List.of("ps", "-aq", "--filter", "label=" + RUN_LABEL + "=" + run));
      List<String> rm = new ArrayList<>(List.of("rm", "-f", "-v"));
      for (String id : ids.split("\\s+")) {
        if (!id.isBlank()) {
          rm.add(id);
        }
      }
      if (rm.size() > 3) {
        docker(rm);
      }
      for (String n : networks) {
        try {
          docker(List.of("network", "rm", n));
        } catch (RuntimeException e) {
          // already removed by the test
        }
      }
      networks.clear();
      for (String v : volumes) {
        docker(List.of("volume", "rm", "-f", v));
      }
      volumes.clear();
    } catch (RuntimeException e) {
      System.err.println("cleanup of test run " + run + " failed: " + e.getMessage());
    }
  }

  /** Runs the docker CLI against the local engine; its stdout, or an exception with stderr. */
  static String docker(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add("docker");
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("DOCKER_HOST");
    pb.environment().remove("DOCKER_TLS_VERIFY");
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed: " + new String(err, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run docker: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
