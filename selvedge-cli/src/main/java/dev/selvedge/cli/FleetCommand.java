package dev.selvedge.cli;

import dev.selvedge.Version;
import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Tool;
import dev.selvedge.fleet.EngineNodeReader;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.FleetFile;
import dev.selvedge.fleet.FleetFileException;
import dev.selvedge.fleet.FleetJson;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.MemoryFleetState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.Poller;
import dev.selvedge.fleet.Scheduler;
import dev.selvedge.fleet.StackState;
import dev.selvedge.fleet.SweepListener;
import dev.selvedge.status.Pill;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * {@code selvedge fleet status}: one sweep of every node of a fleet file, from the CLI with no
 * server (the same {@link Poller} sweep the server runs on its interval), shown as a table of node
 * × stack pills with their reasons, or as the JSON of {@code GET /api/v1/fleet}. Exit 0 when every
 * stack is green, 1 when any is not, 2 when the fleet file cannot be read.
 */
final class FleetCommand implements Command {
  /** A sweep running longer than this shows its progress on standard error. */
  private static final Duration QUIET = Duration.ofSeconds(1);

  private final Cli cli;

  FleetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "fleet";
  }

  @Override
  public String summary() {
    return "a fleet file's nodes: node × stack pills (fleet status), cross-tenant audit (fleet"
        + " audit), due auto-updates (fleet updates)";
  }

  @Override
  public void configure(Subparser p) {
    p.description("Commands on a fleet of nodes described by a fleet file (fleet.yaml).");
    Subparsers subs = p.addSubparsers().dest("fleet_command").metavar("COMMAND").title("commands");
    Subparser status =
        subs.addParser("status")
            .help("sweep every node once and show each stack's pill with its reasons")
            .description(
                "Sweeps every node of the fleet once (no server needed): each stack is read as"
                    + " `selvedge status` reads it. Exit 0 when every stack is green, 1 when any"
                    + " is not, 2 when the fleet file cannot be read.");
    status
        .addArgument("--fleet")
        .metavar("FILE")
        .setDefault("fleet.yaml")
        .help("the fleet file (default: fleet.yaml in the working directory)");
    status.addArgument("--tag").metavar("TAG").help("only the nodes with this tag");
    status.addArgument("--environment").metavar("ENV").help("only the nodes of this environment");
    status
        .addArgument("--format")
        .choices("text", "json")
        .setDefault("text")
        .help("text: a table of pills; json: the fleet as GET /api/v1/fleet answers it");
    status
        .addArgument("--no-readback")
        .dest("no_readback")
        .action(Arguments.storeTrue())
        .help("skip the application layer (x-selvedge.readback URLs)");
    FleetAuditCommand.configure(subs);
    FleetUpdatesCommand.configure(subs);
  }

  @Override
  public int run(Namespace ns) {
    if ("audit".equals(ns.getString("fleet_command"))) {
      return new FleetAuditCommand(cli).run(ns);
    }
    if ("updates".equals(ns.getString("fleet_command"))) {
      return new FleetUpdatesCommand(cli).run(ns);
    }
    Path file = cli.workingDir().resolve(ns.getString("fleet")).normalize();
    Fleet fleet;
    try {
      fleet = FleetFile.load(file, cli.environment());
    } catch (FleetFileException e) {
      cli.err().println("selvedge: " + e.getMessage());
      return ExitCode.INPUT;
    }
    String tag = ns.getString("tag");
    String environment = ns.getString("environment");
    Fleet chosen = filtered(fleet, tag, environment);

    Clock clock = Clock.systemUTC();
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    LiveCheck check = new LiveCheck(threads, clock, new SocketHttpProbe());
    LiveStackReader stacks =
        new LiveStackReader(
            check,
            cli.environment(),
            LiveOptions.fingerprints(cli),
            !Boolean.TRUE.equals(ns.getBoolean("no_readback")));
    EngineNodeReader reader =
        new EngineNodeReader(
            FleetEngines.opener(cli.environment()),
            stacks,
            clock,
            Tool.selvedge(Version.current()),
            // One sweep: each node's engine (its connections) closed once the node is swept.
            EngineNodeReader.Engines.CLOSED_AFTER_SWEEP,
            false); // neither format prints a stack's evidence report
    List<NodeView> views;
    try (Poller poller =
        new Poller(
            chosen,
            reader,
            new MemoryFleetState(clock),
            clock,
            Scheduler.system(),
            threads,
            RandomGenerator.getDefault(),
            "cli",
            new Progress(cli.err(), chosen.nodes().size(), clock))) {
      poller.sweepAll();
      views = poller.view();
    }
    if ("json".equals(ns.getString("format"))) {
      cli.out().print(FleetJson.write(FleetJson.fleet(views, clock.instant())));
    } else {
      text(cli.out(), views, tag, environment);
    }
    return allGreen(views) ? ExitCode.OK : ExitCode.FINDINGS;
  }

  /** The fleet with only the nodes that pass the filters. */
  static Fleet filtered(Fleet fleet, String tag, String environment) {
    Map<String, Fleet.Node> nodes = new LinkedHashMap<>();
    for (Fleet.Node n : fleet.nodes().values()) {
      if (new NodeView(n, null, true).matches(tag, environment)) {
        nodes.put(n.id(), n);
      }
    }
    return new Fleet(fleet.file(), fleet.poll(), nodes, fleet.corsOrigins());
  }

  private static boolean allGreen(List<NodeView> views) {
    for (NodeView v : views) {
      if (v.state() == null || v.state().pill() != Pill.GREEN) {
        return false;
      }
      for (Fleet.Stack s : v.node().stacks().values()) {
        StackState st =
            v.state().stacks().stream()
                .filter(x -> x.name().equals(s.name()))
                .findFirst()
                .orElse(null);
        if (st == null || st.pill() != Pill.GREEN) {
          return false;
        }
      }
    }
    return true;
  }

  /** The table: one line per node × stack, then each reason indented beneath. */
  static void text(PrintWriter out, List<NodeView> views, String tag, String environment) {
    if (views.isEmpty()) {
      out.println(
          "no nodes"
              + (tag == null && environment == null
                  ? " in the fleet file"
                  : " match"
                      + (tag == null ? "" : " --tag " + tag)
                      + (environment == null ? "" : " --environment " + environment)));
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NODE", "ENV", "STACK", "PILL", "SYNC", "HEALTH"});
    List<List<String>> reasons = new ArrayList<>();
    reasons.add(List.of());
    int green = 0;
    int yellow = 0;
    int red = 0;
    int stacks = 0;
    for (NodeView v : views) {
      String env = v.node().environment() == null ? "-" : v.node().environment();
      String nodePill =
          v.state() == null || v.state().pill() == null ? "unknown" : v.state().pill().id();
      rows.add(new String[] {v.node().id(), env, "(node)", nodePill, "", ""});
      // The node's own reasons only when it has no stack to carry them: otherwise they are its
      // stacks' reasons again (an unreachable engine is said on each stack), shown under each.
      boolean stacksRead = v.state() != null && !v.state().stacks().isEmpty();
      reasons.add(
          v.state() == null || v.state().pill() == Pill.GREEN || stacksRead
              ? List.of()
              : v.state().reasons());
      stacks += v.node().stacks().size();
      for (Fleet.Stack s : v.node().stacks().values()) {
        StackState st =
            v.state() == null
                ? null
                : v.state().stacks().stream()
                    .filter(x -> x.name().equals(s.name()))
                    .findFirst()
                    .orElse(null);
        Pill pill = st == null ? null : st.pill();
        if (pill == Pill.GREEN) {
          green++;
        } else if (pill == Pill.YELLOW) {
          yellow++;
        } else if (pill == Pill.RED) {
          red++;
        }
        rows.add(
            new String[] {
              "",
              "",
              s.name(),
              pill == null ? "unknown" : pill.id(),
              st == null || st.sync() == null ? "unknown" : st.sync().id(),
              st == null || st.health() == null ? "unknown" : st.health().id()
            });
        reasons.add(st == null || pill == Pill.GREEN ? List.of() : st.reasons());
      }
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      String[] r = rows.get(i);
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < r.length; c++) {
        line.append(c == r.length - 1 ? r[c] : pad(r[c], width[c] + 2));
      }
      out.println(TerminalText.escapeControls(line.toString().stripTrailing()));
      for (String reason : reasons.get(i)) {
        out.println(
            " ".repeat(width[0] + width[1] + 4) + "- " + TerminalText.escapeControls(reason));
      }
    }
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "%d node%s, %d stack%s: %d green, %d yellow, %d red",
            views.size(),
            views.size() == 1 ? "" : "s",
            stacks,
            stacks == 1 ? "" : "s",
            green,
            yellow,
            red));
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }

  /** A line per finished node on standard error, once the sweep has run for a second. */
  private static final class Progress implements SweepListener {
    private final PrintWriter err;
    private final int total;
    private final Clock clock;
    private final long began;
    private final AtomicInteger done = new AtomicInteger();

    Progress(PrintWriter err, int total, Clock clock) {
      this.err = err;
      this.total = total;
      this.clock = clock;
      this.began = clock.millis();
    }

    @Override
    public void swept(String node, Duration took, boolean reachable) {
      int n = done.incrementAndGet();
      if (clock.millis() - began < QUIET.toMillis()) {
        return;
      }
      synchronized (err) {
        err.println(
            "["
                + n
                + "/"
                + total
                + "] "
                + TerminalText.escapeControls(node)
                + (reachable ? "" : " unreachable")
                + " ("
                + took.toMillis()
                + " ms)");
        err.flush();
      }
    }
  }
}
