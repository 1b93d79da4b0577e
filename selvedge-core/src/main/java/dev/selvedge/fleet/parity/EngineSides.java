package dev.selvedge.fleet.parity;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.SourceFile;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.fleet.EngineOpener;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.LocalHost;
import dev.selvedge.port.RemoteHost;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a node's stacks for a parity check the way the poller and {@code selvedge status} read
 * them: the node's engine opened from its fleet entry ({@link EngineOpener}), each stack's layers
 * read by {@link LiveStackReader#input}, then the files the stack reads and bind-mounts fetched on
 * the node (over the engine's SSH session for {@code ssh://}) and fingerprinted.
 */
public final class EngineSides implements Parity.Reader {
  private final EngineOpener opener;
  private final LiveStackReader stacks;
  private final Fingerprints fingerprints;
  private final Duration timeout;

  /**
   * @param stacks reads a stack's layers (its readback setting decides the readback layer)
   * @param fingerprints the key files are fingerprinted with
   * @param timeout bounds each engine call
   */
  public EngineSides(
      EngineOpener opener, LiveStackReader stacks, Fingerprints fingerprints, Duration timeout) {
    this.opener = opener;
    this.stacks = stacks;
    this.fingerprints = fingerprints;
    this.timeout = timeout;
  }

  @Override
  public Parity.NodeRead read(Fleet.Node node, List<Fleet.Stack> wanted) {
    DockerEngine engine;
    try {
      engine = opener.open(node, timeout);
    } catch (SelvedgeException e) {
      return Parity.NodeRead.failed("engine unreachable: " + e.getMessage());
    }
    try (engine) {
      try {
        engine.info();
      } catch (SelvedgeException e) {
        return Parity.NodeRead.failed("engine unreachable: " + e.getMessage());
      }
      Map<String, ParitySide> read = new LinkedHashMap<>();
      Map<String, String> failed = new LinkedHashMap<>();
      for (Fleet.Stack stack : wanted) {
        try {
          DriftInput input = stacks.input(stack, engine);
          RemoteHost host = engine.remoteHost().orElseGet(LocalHost::new);
          read.put(
              stack.name(),
              new ParitySide(
                  node.id(),
                  stack.name(),
                  input,
                  files(host, input.deployed()),
                  node.parityIgnore()));
        } catch (dev.selvedge.port.EngineUnreachableException e) {
          return Parity.NodeRead.failed("engine unreachable: " + e.getMessage());
        } catch (SelvedgeException e) {
          failed.put(stack.name(), "cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
          // A reader's bug must not end the whole comparison: this stack is unreadable (its
          // message is not shown: it could quote what was read).
          failed.put(
              stack.name(), "cannot be read: an internal error (" + e.getClass().getName() + ")");
        }
      }
      return new Parity.NodeRead(null, read, failed);
    }
  }

  /**
   * The files a stack reads (its Compose files, {@code .env}, {@code env_file}s, includes) and
   * bind-mounts on the node, each as a keyed fingerprint of its content's SHA-256 or what is there
   * instead; by path relative to the deploy directory when inside it.
   */
  Map<String, String> files(RemoteHost host, Project deployed) {
    Path dir = Path.of(deployed.workingDir());
    Map<String, Path> paths = new LinkedHashMap<>();
    for (SourceFile s : deployed.sources()) {
      Path p = dir.resolve(s.path()).normalize();
      paths.put(key(dir, p), p);
    }
    Path env = dir.resolve(".env");
    paths.putIfAbsent(key(dir, env), env);
    for (Service s : deployed.services().values()) {
      for (ServiceVolume v : s.volumes()) {
        if (ServiceVolume.BIND.equals(v.type()) && v.source() != null && !v.source().isEmpty()) {
          Path p = dir.resolve(v.source()).normalize();
          paths.putIfAbsent(key(dir, p), p);
        }
      }
    }
    List<String> all = new ArrayList<>();
    paths.values().forEach(p -> all.add(p.toString()));
    RemoteHost view;
    try {
      view = host.prefetched(all);
    } catch (SelvedgeException e) {
      view = host;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> e : paths.entrySet()) {
      out.put(e.getKey(), state(view, e.getValue().toString()));
    }
    return out;
  }

  private String state(RemoteHost host, String path) {
    try {
      if (host.isFile(path)) {
        Optional<byte[]> bytes = host.readBytes(path);
        return bytes.isEmpty() ? "missing" : fingerprints.of(sha256(bytes.get()));
      }
      return host.exists(path) ? "not a regular file" : "missing";
    } catch (SelvedgeException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  private static String key(Path dir, Path p) {
    return p.startsWith(dir) && !p.equals(dir) ? dir.relativize(p).toString() : p.toString();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
