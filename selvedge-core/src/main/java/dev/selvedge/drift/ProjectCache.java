package dev.selvedge.drift;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loaded projects kept for the next check of the same contract: a fleet sweep checks the same
 * contract on thousands of nodes, and loading it (YAML, interpolation, the model) was most of a
 * node's CPU.
 *
 * <p>A project is served again only when everything that determined it is unchanged: the load
 * options (files, directories, project name, env files, profiles, the {@code .env.example}
 * fallback), the whole environment it was interpolated with (a host's {@code .env} included), and
 * every file the load asked about, each read again through the caller's {@link SourceFiles} and
 * compared by SHA-256 (a file that appeared or went away counts too). The loader reads nothing but
 * through its sources and what the options give, so equal inputs render an equal project. Loads
 * from standard input ({@code -f -}) are never kept.
 *
 * <p>Bounded: the least recently used option sets are dropped beyond {@code capacity}, and each
 * keeps a few variants (the same paths with other bytes on other hosts). Safe for concurrent
 * checks: the files are read and compared outside the lock; two checks missing at once both load.
 */
public final class ProjectCache {
  /** Option sets kept by {@link LiveCheck}'s default cache. */
  public static final int DEFAULT_CAPACITY = 256;

  /** Variants kept per option set (the same paths read with other bytes). */
  static final int VARIANTS = 4;

  private final int capacity;
  private final LinkedHashMap<Key, List<Kept>> entries;
  private long hits;
  private long misses;

  /**
   * @param capacity option sets kept (at least 1)
   */
  public ProjectCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.capacity = capacity;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, List<Kept>> eldest) {
            return size() > ProjectCache.this.capacity;
          }
        };
  }

  /**
   * The project {@code options} load, from the cache when every file it depends on reads the same
   * through {@code options.sources()} (each such read goes through those sources, so a recording
   * source notes the same files as a real load would).
   *
   * @throws dev.selvedge.contract.ContractException as {@link ComposeLoader#load} does
   */
  public Project load(LoadOptions options) {
    if (options.sources().stdin().isPresent()
        || options.files().stream().anyMatch(f -> f.toString().equals(ComposeLoader.STDIN))) {
      return ComposeLoader.load(options);
    }
    Key key = Key.of(options);
    List<Kept> candidates;
    synchronized (this) {
      List<Kept> kept = entries.get(key);
      candidates = kept == null ? List.of() : List.copyOf(kept);
    }
    if (!candidates.isEmpty()) {
      Map<Dependency, Object> now = new HashMap<>();
      for (Kept candidate : candidates) {
        if (candidate.current(options.sources(), now)) {
          synchronized (this) {
            hits++;
          }
          return candidate.project();
        }
      }
    }
    Recorder recorder = new Recorder(options.sources());
    Project project = ComposeLoader.load(options.withSources(recorder));
    Kept loaded = new Kept(project, recorder.seen());
    synchronized (this) {
      misses++;
      List<Kept> kept = new ArrayList<>(entries.getOrDefault(key, List.of()));
      kept.removeIf(e -> e.seen().equals(loaded.seen()));
      kept.add(0, loaded);
      while (kept.size() > VARIANTS) {
        kept.remove(kept.size() - 1);
      }
      entries.put(key, List.copyOf(kept));
    }
    return project;
  }

  /** Loads served from the cache and loads done, since this cache was made. */
  public synchronized String stats() {
    return "hits=" + hits + " misses=" + misses + " kept=" + entries.size();
  }

  synchronized long hits() {
    return hits;
  }

  synchronized long misses() {
    return misses;
  }

  /** The load options but the sources: what, besides the files, decides the project. */
  private record Key(
      List<Path> files,
      Path projectDirectory,
      String projectName,
      List<Path> envFiles,
      Set<String> profiles,
      Map<String, String> environment,
      Path workingDir,
      Path envExampleFallback) {
    static Key of(LoadOptions o) {
      return new Key(
          o.files(),
          o.projectDirectory(),
          o.projectName(),
          o.envFiles(),
          o.profiles(),
          o.environment(),
          o.workingDir(),
          o.envExampleFallback());
    }

    /** Never the environment: it holds the process's secrets. */
    @Override
    public String toString() {
      return "ProjectCache.Key[files=" + files + ", projectDirectory=" + projectDirectory + "]";
    }
  }

  /** One question the load asked its sources: a file's bytes, or whether it is a file. */
  private record Dependency(Path path, boolean bytes) {}

  /**
   * What a question for bytes was answered when there was no file; otherwise the SHA-256 in hex. A
   * question whether something is a file is answered by a Boolean.
   */
  private static final String ABSENT = "absent";

  private record Kept(Project project, Map<Dependency, Object> seen) {
    /** Whether every question reads the same now; {@code now} keeps answers across candidates. */
    boolean current(SourceFiles sources, Map<Dependency, Object> now) {
      for (Map.Entry<Dependency, Object> e : seen.entrySet()) {
        Object answer;
        try {
          answer = now.computeIfAbsent(e.getKey(), d -> ask(sources, d));
        } catch (RuntimeException unreadable) {
          return false; // the real load reports it
        }
        if (!answer.equals(e.getValue())) {
          return false;
        }
      }
      return true;
    }
  }

  private static Object ask(SourceFiles sources, Dependency d) {
    if (!d.bytes()) {
      return sources.isFile(d.path());
    }
    Optional<byte[]> bytes = sources.read(d.path());
    return bytes.isPresent() ? sha256(bytes.get()) : ABSENT;
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The sources, with every question and its answer noted in the order asked. */
  private static final class Recorder implements SourceFiles {
    private final SourceFiles delegate;
    private final Map<Dependency, Object> seen = new LinkedHashMap<>();

    Recorder(SourceFiles delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<byte[]> read(Path file) {
      Optional<byte[]> bytes = delegate.read(file);
      note(new Dependency(file, true), bytes.isPresent() ? sha256(bytes.get()) : ABSENT);
      return bytes;
    }

    @Override
    public boolean isFile(Path file) {
      boolean is = delegate.isFile(file);
      note(new Dependency(file, false), is);
      return is;
    }

    @Override
    public Optional<byte[]> stdin() {
      return delegate.stdin();
    }

    private synchronized void note(Dependency d, Object answer) {
      seen.putIfAbsent(d, answer);
    }

    synchronized Map<Dependency, Object> seen() {
      return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seen));
    }
  }
}
