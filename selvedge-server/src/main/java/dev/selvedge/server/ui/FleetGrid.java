package dev.selvedge.server.ui;

import dev.selvedge.fleet.NodeState;
import dev.selvedge.fleet.NodeView;
import dev.selvedge.fleet.StackState;
import dev.selvedge.status.Pill;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fleet page's model: one row per node, one cell per stack, filtered, searched and sorted on
 * the server from the query's parameters (so it works without JavaScript). A pill that was never
 * read (node or stack not swept yet) is {@code unknown}: grey, ranked between yellow and red when
 * sorting worst first.
 */
public final class FleetGrid {
  private FleetGrid() {}

  /** The pills a filter may ask for. */
  static final List<String> COLOURS = List.of("green", "yellow", "red", "unknown");

  /**
   * The page's parameters; null or blank: no filter.
   *
   * @param sort {@code fleet} (the fleet file's order) or {@code worst} (worst first, then name)
   */
  public record Query(String tag, String environment, String pill, String q, String sort) {
    static Query parse(String tag, String environment, String pill, String q, String sort) {
      tag = blankToNull(tag);
      environment = blankToNull(environment);
      pill = blankToNull(pill);
      q = blankToNull(q);
      sort = blankToNull(sort);
      if (pill != null && !COLOURS.contains(pill)) {
        throw UiError.badRequest("pill: one of " + String.join(", ", COLOURS));
      }
      if (sort != null && !sort.equals("fleet") && !sort.equals("worst")) {
        throw UiError.badRequest("sort: fleet or worst");
      }
      for (String v : new String[] {tag, environment, q}) {
        if (v != null && v.length() > 200) {
          throw UiError.badRequest("a filter is at most 200 characters long");
        }
      }
      return new Query(tag, environment, pill, q, sort == null ? "fleet" : sort);
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s.strip();
    }

    /** The query string of these parameters (for links), without the leading {@code ?}. */
    public String queryString() {
      StringBuilder b = new StringBuilder();
      add(b, "tag", tag);
      add(b, "environment", environment);
      add(b, "pill", pill);
      add(b, "q", q);
      if (!"fleet".equals(sort)) {
        add(b, "sort", sort);
      }
      return b.toString();
    }

    private static void add(StringBuilder b, String name, String value) {
      if (value != null) {
        if (!b.isEmpty()) {
          b.append('&');
        }
        b.append(name)
            .append('=')
            .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * A stack's pill on a node.
   *
   * @param pill green, yellow, red or unknown
   * @param label the pill in words: {@code red: drifted, degraded}
   */
  public record Cell(
      String node,
      String stack,
      String pill,
      String sync,
      String health,
      List<String> reasons,
      String label) {}

  /**
   * A node's row.
   *
   * @param cells aligned with the grid's stacks; null where the node runs no such stack
   * @param lastSwept when it was last swept (ISO-8601), null: never
   */
  public record Row(
      String node,
      String environment,
      List<String> tags,
      String pill,
      List<String> reasons,
      boolean stale,
      String lastSwept,
      List<Cell> cells) {
    int rank() {
      int worst = FleetGrid.rank(pill);
      for (Cell c : cells) {
        if (c != null) {
          worst = Math.max(worst, FleetGrid.rank(c.pill()));
        }
      }
      return worst;
    }

    boolean has(String colour) {
      if (colour.equals(pill)) {
        return true;
      }
      return cells.stream().anyMatch(c -> c != null && colour.equals(c.pill()));
    }
  }

  /** Counts of pills by colour. */
  public record Counts(int green, int yellow, int red, int unknown) {
    public int total() {
      return green + yellow + red + unknown;
    }
  }

  /**
   * The whole grid.
   *
   * @param stacks the column heads: every stack name of the shown nodes, in first-seen order
   * @param nodes the nodes' own pills, counted over the shown rows
   * @param stackPills the stacks' pills, counted over the shown rows
   * @param stale how many shown nodes are stale
   * @param fleetSize nodes in the fleet before filtering
   */
  public record Grid(
      Query query,
      List<String> stacks,
      List<Row> rows,
      Counts nodes,
      Counts stackPills,
      int stale,
      int fleetSize,
      List<String> tags,
      List<String> environments,
      String generatedAt) {}

  /**
   * What a grid shows, as a short hash: its query, columns, counts and every row's pills, labels,
   * reasons and stale marks, but not when it was made nor when a fresh node was last swept (shown
   * nowhere). A sweep that changes nothing leaves it as it was, so a page's periodic refresh is
   * answered 204 and its focus stays where it is.
   */
  static String fingerprint(Grid g) {
    StringBuilder b = new StringBuilder(4096);
    b.append(g.query().queryString()).append('\n').append(g.query().sort()).append('\n');
    b.append(g.stacks()).append(g.fleetSize()).append(g.stale()).append('\n');
    for (Row r : g.rows()) {
      Row shown =
          new Row(
              r.node(),
              r.environment(),
              r.tags(),
              r.pill(),
              r.reasons(),
              r.stale(),
              r.stale() ? r.lastSwept() : null,
              r.cells());
      b.append(shown).append('\n');
    }
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static Grid build(List<NodeView> views, Query query, Instant now) {
    Set<String> tags = new TreeSet<>();
    Set<String> environments = new TreeSet<>();
    for (NodeView v : views) {
      tags.addAll(v.node().tags());
      if (v.node().environment() != null) {
        environments.add(v.node().environment());
      }
    }
    String needle = query.q() == null ? null : query.q().toLowerCase(Locale.ROOT);
    List<NodeView> shown = new ArrayList<>();
    for (NodeView v : views) {
      if (!v.matches(query.tag(), query.environment())) {
        continue;
      }
      if (needle != null && !named(v, needle)) {
        continue;
      }
      shown.add(v);
    }
    Set<String> stackNames = new LinkedHashSet<>();
    for (NodeView v : shown) {
      stackNames.addAll(v.node().stacks().keySet());
    }
    List<String> columns = List.copyOf(stackNames);
    List<Row> rows = new ArrayList<>(shown.size());
    for (NodeView v : shown) {
      Row row = row(v, columns);
      if (query.pill() == null || row.has(query.pill())) {
        rows.add(row);
      }
    }
    if ("worst".equals(query.sort())) {
      rows.sort(Comparator.comparingInt(Row::rank).reversed().thenComparing(Row::node));
    }
    int[] nodeCounts = new int[4];
    int[] stackCounts = new int[4];
    int stale = 0;
    for (Row r : rows) {
      nodeCounts[COLOURS.indexOf(r.pill())]++;
      for (Cell c : r.cells()) {
        if (c != null) {
          stackCounts[COLOURS.indexOf(c.pill())]++;
        }
      }
      if (r.stale()) {
        stale++;
      }
    }
    return new Grid(
        query,
        columns,
        List.copyOf(rows),
        counts(nodeCounts),
        counts(stackCounts),
        stale,
        views.size(),
        List.copyOf(tags),
        List.copyOf(environments),
        now.toString());
  }

  private static Counts counts(int[] c) {
    return new Counts(c[0], c[1], c[2], c[3]);
  }

  private static boolean named(NodeView v, String needle) {
    if (v.node().id().toLowerCase(Locale.ROOT).contains(needle)) {
      return true;
    }
    return v.node().stacks().keySet().stream()
        .anyMatch(s -> s.toLowerCase(Locale.ROOT).contains(needle));
  }

  private static Row row(NodeView v, List<String> columns) {
    NodeState state = v.state();
    List<Cell> cells = new ArrayList<>(columns.size());
    for (String name : columns) {
      if (!v.node().stacks().containsKey(name)) {
        cells.add(null);
        continue;
      }
      StackState st = state == null ? null : stack(state, name);
      cells.add(cell(v.node().id(), name, st));
    }
    return new Row(
        v.node().id(),
        v.node().environment(),
        v.node().tags(),
        state == null ? "unknown" : pill(state.pill()),
        state == null ? List.of("not swept yet") : nodeReasons(state.reasons(), cells),
        v.stale(),
        state == null || state.lastSweptAt() == null ? null : state.lastSweptAt().toString(),
        java.util.Collections.unmodifiableList(cells));
  }

  /**
   * A node pill's reasons in its row: those the row's stack pills already give ({@code "shop:
   * ..."}, how the poller prefixes a stack's reasons on its node) are named once instead of
   * repeated: on a large fleet they were half of the page's bytes. The node page shows them all.
   */
  static List<String> nodeReasons(List<String> reasons, List<Cell> cells) {
    List<String> own = new ArrayList<>();
    java.util.Set<String> shown = new java.util.LinkedHashSet<>();
    for (String r : reasons) {
      String stack = null;
      for (Cell c : cells) {
        if (c != null && r.startsWith(c.stack() + ": ")) {
          stack = c.stack();
          break;
        }
      }
      if (stack == null) {
        own.add(r);
      } else {
        shown.add(stack);
      }
    }
    if (!shown.isEmpty()) {
      own.add("worst: " + String.join(", ", shown) + " (reasons on the stack pills)");
    }
    return List.copyOf(own);
  }

  static Cell cell(String node, String name, StackState st) {
    if (st == null) {
      return new Cell(
          node, name, "unknown", "unknown", "unknown", List.of("not swept yet"), "unknown");
    }
    // An engine that could not be read leaves sync and health unknown (null).
    String pill = pill(st.pill());
    String sync = st.sync() == null ? "unknown" : st.sync().id();
    String health = st.health() == null ? "unknown" : st.health().id();
    return new Cell(
        node,
        name,
        pill,
        sync,
        health,
        st.reasons(),
        pill + turning(st.reasons()) + ": " + sync + ", " + health);
  }

  private static final java.util.regex.Pattern TURNING =
      java.util.regex.Pattern.compile("turning (green|yellow|red) \\(seen in \\d+ sweeps?\\)");

  /**
   * ", turning green" while anti-flap holds the shown colour against what the last sweep saw (the
   * poller's note among the reasons), so that a label such as "red: in-sync, healthy" does not
   * contradict itself; else empty.
   */
  static String turning(List<String> reasons) {
    for (String r : reasons) {
      java.util.regex.Matcher m = TURNING.matcher(r);
      if (m.matches()) {
        return ", turning " + m.group(1);
      }
    }
    return "";
  }

  static StackState stack(NodeState state, String name) {
    for (StackState s : state.stacks()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** Worst last: green 0, yellow 1, unknown 2, red 3. */
  static int rank(String pill) {
    return switch (pill) {
      case "green" -> 0;
      case "yellow" -> 1;
      case "unknown" -> 2;
      default -> 3;
    };
  }

  static String pill(Pill p) {
    return p == null ? "unknown" : p.id();
  }
}
