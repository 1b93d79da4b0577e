package dev.selvedge.cli;

import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.EngineCache;
import dev.selvedge.drift.DriftJson;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.drift.render.DriftTextRenderer;
import dev.selvedge.evidence.Tool;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.status.Pill;
import dev.selvedge.status.render.StatusTextRenderer;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code selvedge drift} and {@code selvedge status}: the same four layers read by {@link
 * LiveCheck}, shown as classed findings or as pills. Their JSON is the same evidence report.
 */
final class LiveCommand implements Command {
  /** The two views of one live check. */
  enum View {
    DRIFT(
        "drift",
        "compare contract, host, containers, readback",
        "Compare the four layers: repo contract, the deploy directory on the host, the running"
            + " containers and the application readback. Exit 0 in sync, 1 drift, 2 when a layer"
            + " cannot be read or reached. Secret values are compared by keyed fingerprint."),
    STATUS(
        "status",
        "sync and health per service, as pills",
        "Show each service's sync (in-sync, drifted, unknown) and health (healthy, progressing,"
            + " degraded, missing, unreachable), rolled up to a pill per service and for the stack,"
            + " with the reasons. Exit 0 when the stack is green, 1 otherwise, 2 when the engine"
            + " cannot be reached.");

    final String name;
    final String summary;
    final String description;

    View(String name, String summary, String description) {
      this.name = name;
      this.summary = summary;
      this.description = description;
    }
  }

  /**
   * Each background read on a thread of its own. Not the common pool: on a 2-core machine its
   * parallelism is 1, so the readbacks would queue behind an engine read still in progress.
   */
  private static final Executor OWN_THREAD =
      task -> Thread.ofPlatform().daemon().name("selvedge-live-read").start(task);

  /** The use case, shared by every run in this JVM. */
  private static final LiveCheck CHECK =
      new LiveCheck(OWN_THREAD, Clock.systemUTC(), new SocketHttpProbe());

  private final Cli cli;
  private final View view;
  private final Function<Namespace, DockerEngine> engines;

  /**
   * Engine clients kept open across runs in this JVM while {@link #keepEngines} is in effect: a
   * long-running process reuses its kept-alive connections and negotiated API version instead of
   * opening new ones for every check. Null: each run opens and closes its own.
   */
  private static EngineCache kept;

  /** Ends {@link #keepEngines}: closes the kept clients. */
  interface KeptEngines extends AutoCloseable {
    @Override
    void close();
  }

  LiveCommand(Cli cli, View view) {
    this(cli, view, null);
  }

  /** With the engine {@code engines} opens instead of the one the options name (training). */
  LiveCommand(Cli cli, View view, Function<Namespace, DockerEngine> engines) {
    this.cli = cli;
    this.view = view;
    this.engines = engines;
  }

  /**
   * Until the returned cache is closed, drift and status runs in this JVM share one engine client
   * per engine (as the server does): {@code __repeat} measures that warm path.
   */
  static synchronized KeptEngines keepEngines(Map<String, String> env) {
    EngineCache engines = EngineCache.opening(env);
    kept = engines;
    return () -> {
      synchronized (LiveCommand.class) {
        if (kept == engines) {
          kept = null;
        }
      }
      engines.close();
    };
  }

  @Override
  public String name() {
    return view.name;
  }

  @Override
  public String summary() {
    return view.summary;
  }

  @Override
  public void configure(Subparser p) {
    p.description(view.description);
    LiveOptions.configure(p);
    p.addArgument("--format").choices("text", "json").setDefault("text").help("output format");
  }

  @Override
  public int run(Namespace ns) {
    LiveCheck.Request request = LiveOptions.request(ns, cli);
    EngineCache shared;
    synchronized (LiveCommand.class) {
      shared = kept;
    }
    DriftReport report;
    if (engines == null && shared != null) {
      report = CHECK.run(request, shared.get(RuntimeOptions.options(ns, cli)));
    } else {
      try (DockerEngine engine =
          engines != null ? engines.apply(ns) : RuntimeOptions.engine(ns, cli)) {
        report = CHECK.run(request, engine);
      }
    }
    if (ns.getString("format").equals("json")) {
      cli.out().print(DriftJson.write(report, Tool.selvedge(Version.current()), Clock.systemUTC()));
    } else {
      cli.out()
          .print(
              view == View.DRIFT
                  ? DriftTextRenderer.render(report)
                  : StatusTextRenderer.render(report.status()));
    }
    return switch (view) {
      case DRIFT -> report.outcome().exitCode();
      case STATUS -> report.status().pill() == Pill.GREEN ? ExitCode.OK : ExitCode.FINDINGS;
    };
  }
}
