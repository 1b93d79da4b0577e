package dev.selvedge.status.render;

import dev.selvedge.status.ServiceStatus;
import dev.selvedge.status.StackStatus;
import java.util.Locale;

/**
 * A stack status as text: the stack's pill with its reasons, then one line per service (pill, name,
 * sync, health) with the reasons behind its colour indented below unless it is green.
 *
 * <pre>
 * shop  RED  drifted  degraded
 *   db: container shop-db-1 exited (code 1)
 *
 *   green   api  in-sync  healthy
 *   red     db   drifted  degraded
 *           - container shop-db-1 exited (code 1)
 * </pre>
 */
public final class StatusTextRenderer {
  private StatusTextRenderer() {}

  public static String render(StackStatus stack) {
    int width = 4;
    for (ServiceStatus s : stack.services()) {
      width = Math.max(width, s.service().length());
    }
    StringBuilder out = new StringBuilder();
    out.append(stack.project().isEmpty() ? "(unnamed)" : stack.project())
        .append("  ")
        .append(stack.pill().id().toUpperCase(Locale.ROOT))
        .append("  ")
        .append(stack.sync().id())
        .append("  ")
        .append(stack.health().id())
        .append('\n');
    for (String r : stack.pillReasons()) {
      out.append("  ").append(r).append('\n');
    }
    out.append('\n');
    for (ServiceStatus s : stack.services()) {
      out.append("  ")
          .append(pad(s.pill().id(), 7))
          .append(' ')
          .append(pad(s.service(), width))
          .append("  ")
          .append(pad(s.sync().id(), 8))
          .append("  ")
          .append(s.health().id())
          .append('\n');
      if (s.pill() != dev.selvedge.status.Pill.GREEN) {
        for (String r : s.pillReasons()) {
          out.append("  ").append(" ".repeat(8)).append("- ").append(r).append('\n');
        }
      }
    }
    return out.toString();
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
