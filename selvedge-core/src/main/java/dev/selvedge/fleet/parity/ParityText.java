package dev.selvedge.fleet.parity;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A parity report for people: each comparison, its differences grouped by service and layer (side
 * A's value, then B's), expected ones marked with the declaration that expects them, then what
 * could not be read and a summary line.
 */
public final class ParityText {
  private ParityText() {}

  /**
   * @param escape makes text safe for a terminal (control characters escaped)
   */
  public static void write(PrintWriter out, ParityReport r, UnaryOperator<String> escape) {
    out.println(
        escape.apply(
            "parity "
                + r.a()
                + " <-> "
                + r.b()
                + (r.stack() == null ? "" : " (stack " + r.stack() + ")")));
    for (ParityReport.Comparison c : r.comparisons()) {
      out.println();
      out.println(
          escape.apply(
              "stack "
                  + c.stack()
                  + ": "
                  + side(c.nodeA(), c.projectA())
                  + " vs "
                  + side(c.nodeB(), c.projectB())
                  + (c.differences().isEmpty() ? ": no differences" : "")));
      String service = "\u0000";
      String layer = null;
      for (ParityDifference d : c.differences()) {
        if (!Objects.equals(service, d.service())) {
          service = d.service();
          layer = null;
          out.println(escape.apply("  " + (service == null ? "(stack)" : "service " + service)));
        }
        if (!d.layer().id().equals(layer)) {
          layer = d.layer().id();
          out.println(escape.apply("    " + layer));
        }
        out.println(
            escape.apply(
                "      "
                    + (d.expected() ? "= " : "! ")
                    + d.key()
                    + ": "
                    + value(d.a())
                    + " | "
                    + value(d.b())
                    + (d.expected() ? "  (expected: " + d.ignoredBy() + ")" : "")));
      }
    }
    if (!r.unreadable().isEmpty()) {
      out.println();
      out.println("unreadable:");
      for (ParityReport.Unreadable u : r.unreadable()) {
        out.println(
            escape.apply(
                "  node "
                    + u.node()
                    + (u.stack() == null ? "" : " stack " + u.stack())
                    + ": "
                    + u.reason()));
      }
    }
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "%s: %d comparison%s, %d unexpected difference%s, %d expected, %d unreadable",
            r.result().id(),
            r.comparisons().size(),
            r.comparisons().size() == 1 ? "" : "s",
            r.unexpected(),
            r.unexpected() == 1 ? "" : "s",
            r.expected(),
            r.unreadable().size()));
  }

  private static String side(String node, String project) {
    return node == null ? "(none)" : node + " (project " + project + ")";
  }

  private static String value(String v) {
    return v == null ? "(absent)" : v.isEmpty() ? "\"\"" : v;
  }
}
