package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.contract.compose.GoDuration;
import dev.selvedge.port.ProbeResult;
import java.net.URI;
import java.time.Duration;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code selvedge probe URL}: one bounded GET, its failure classified. */
final class ProbeCommand implements Command {
  private final Cli cli;

  ProbeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "probe";
  }

  @Override
  public String summary() {
    return "GET a URL once and classify the outcome";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "GET a URL once, bounded by a timeout, and print the HTTP status or the class of the"
            + " transport failure: dns_failed, connection_refused, tls_verify_failed, timeout or"
            + " io_error. Exit 0 for a 2xx answer, 1 otherwise.");
    p.addArgument("url").metavar("URL").help("http:// or https:// URL");
    p.addArgument("--timeout").setDefault("5s").help("give up after this long (default 5s)");
  }

  @Override
  public int run(Namespace ns) {
    Duration timeout = duration(ns.getString("timeout"));
    URI uri;
    try {
      uri = URI.create(ns.getString("url"));
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException("probe: not a URL: " + e.getMessage(), e);
    }
    ProbeResult r;
    // Status only (no body read): the answer is in with the headers, even from an endless stream.
    try (SocketHttpProbe probe = new SocketHttpProbe(0)) {
      r = probe.get(uri, timeout);
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException("probe: " + e.getMessage(), e);
    }
    long ms = r.elapsed().toMillis();
    return switch (r) {
      case ProbeResult.Answered a -> {
        cli.out().println("http_" + a.status() + "  " + safe(uri) + "  " + ms + " ms");
        yield a.ok() ? ExitCode.OK : ExitCode.FINDINGS;
      }
      case ProbeResult.Failed f -> {
        cli.out().println(f.kind().id() + "  " + safe(uri) + "  " + ms + " ms  " + f.detail());
        yield ExitCode.FINDINGS;
      }
    };
  }

  /** The URL without user info or query, which may carry credentials. */
  static String safe(URI uri) {
    return uri.getScheme()
        + "://"
        + uri.getHost()
        + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  static Duration duration(String s) {
    try {
      Duration d = GoDuration.parse(s);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("must be positive");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException(
          "'" + s + "' is not a duration such as 5s, 15m or 1h: " + e.getMessage(), e);
    }
  }
}
