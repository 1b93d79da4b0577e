package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Project;
import dev.selvedge.port.Store;
import dev.selvedge.store.StoreConfig;
import dev.selvedge.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import net.sourceforge.argparse4j.inf.ArgumentGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** What the mutating commands share: the store, who is acting, the lease and gate timings. */
final class OperateOptions {
  /**
   * {@code e}, or the same error with {@code project}'s secret values masked when its message
   * quotes one (an engine refusing an image reference a secret was substituted into, say).
   */
  static SelvedgeException scrubbed(SelvedgeException e, Project project) {
    String text = e.getMessage();
    String clean = project.secretValues().scrub(text);
    return clean == null || clean.equals(text) ? e : new SelvedgeException(clean);
  }

  /** A lease lives this long without renewal; renewed every third of it while working. */
  static final Duration LEASE_TTL = Duration.ofSeconds(60);

  /**
   * The lease time to live: SELVEDGE_LEASE_TTL (a duration, at least 3s), else 60s. A crashed
   * operation blocks the project for this long.
   */
  static Duration leaseTtl(Cli cli) {
    String raw = cli.environment().get("SELVEDGE_LEASE_TTL");
    if (raw == null || raw.isBlank()) {
      return LEASE_TTL;
    }
    Duration d;
    try {
      d = dev.selvedge.contract.compose.GoDuration.parse(raw.strip());
    } catch (RuntimeException e) {
      throw new SelvedgeException("SELVEDGE_LEASE_TTL=" + raw + ": write a duration such as 60s");
    }
    if (d.compareTo(Duration.ofSeconds(3)) < 0) {
      throw new SelvedgeException("SELVEDGE_LEASE_TTL=" + raw + ": at least 3s");
    }
    return d;
  }

  private OperateOptions() {}

  static void configureStore(Subparser p) {
    p.addArgument("--store")
        .metavar("JDBC_URL")
        .help(
            "the store: jdbc:postgresql://... or jdbc:h2:...; default SELVEDGE_STORE_URL, else an"
                + " H2 file under the user's data directory (SELVEDGE_STORE_USER and"
                + " SELVEDGE_STORE_PASSWORD give credentials)");
  }

  static Store store(Namespace ns, Cli cli) {
    StoreConfig defaults = StoreConfig.defaults(cli.environment());
    String url = ns.getString("store");
    StoreConfig config =
        url == null ? defaults : new StoreConfig(url, defaults.user(), defaults.password());
    Store store = Stores.open(config);
    StoreSpool spool =
        new StoreSpool(
            StoreSpool.directory(home(cli), store.location()),
            store.location(),
            StoreSpool.PATIENCE,
            line -> {
              cli.err().println(line);
              cli.err().flush();
            });
    // What an earlier command could not write while the store was away goes in first.
    spool.replay(store);
    return spool.around(store);
  }

  /** The Selvedge home: where the fingerprint key and the store spool live. */
  static Path home(Cli cli) {
    return dev.selvedge.evidence.Fingerprints.keyDirectory(
        cli.environment(), Path.of(System.getProperty("user.home")));
  }

  static void configureGate(ArgumentGroup g) {
    g.addArgument("--gate-timeout")
        .dest("gate_timeout")
        .metavar("DURATION")
        .setDefault("120s")
        .help("how long each service may take to become healthy (default 120s, at least 1s)");
  }

  /** The shortest gate: a container without a healthcheck must stay up this long to pass. */
  static final Duration MIN_GATE = Duration.ofSeconds(1);

  /**
   * The gate timeout, refused when it is not a duration or shorter than {@link #MIN_GATE}: zero or
   * a negative value would fail every gate at its first look and roll back a healthy release.
   */
  static Duration gateTimeout(Namespace ns) {
    String raw = ns.getString("gate_timeout");
    Duration d;
    try {
      d = dev.selvedge.contract.compose.GoDuration.parse(raw.strip());
    } catch (RuntimeException e) {
      throw new SelvedgeException("--gate-timeout " + raw + ": write a duration such as 90s or 2m");
    }
    if (d.compareTo(MIN_GATE) < 0) {
      throw new SelvedgeException(
          "--gate-timeout "
              + raw
              + ": must be at least 1s (how long each service may take to become healthy)");
    }
    return d;
  }
}
