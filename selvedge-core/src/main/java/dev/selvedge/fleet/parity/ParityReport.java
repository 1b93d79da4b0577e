package dev.selvedge.fleet.parity;

import java.util.List;
import java.util.Objects;

/**
 * What {@code selvedge parity A B} found: one comparison per pair of nodes that run a stack (a node
 * against a node, or each node of one environment against each node of the other), and the nodes or
 * stacks that could not be read.
 *
 * @param a side A as asked ({@code app-1} or {@code env:staging})
 * @param b side B as asked
 * @param stack the only stack compared, or null for every stack
 * @param comparisons in the order of the fleet file
 * @param unreadable what could not be read, each with why
 */
public record ParityReport(
    String a, String b, String stack, List<Comparison> comparisons, List<Unreadable> unreadable) {
  public ParityReport {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    comparisons = List.copyOf(comparisons);
    unreadable = List.copyOf(unreadable);
  }

  /**
   * One stack on a node of A against the same stack on a node of B.
   *
   * @param nodeA null when the stack runs on no node of A (then {@code differences} says so)
   * @param projectA the Compose project on {@code nodeA}, null with it
   */
  public record Comparison(
      String stack,
      String nodeA,
      String projectA,
      String nodeB,
      String projectB,
      List<ParityDifference> differences) {
    public Comparison {
      Objects.requireNonNull(stack, "stack");
      differences = List.copyOf(differences);
    }

    /** Differences no {@code parity.ignore} declares. */
    public long unexpected() {
      return differences.stream().filter(d -> !d.expected()).count();
    }
  }

  /**
   * A node or one of its stacks that could not be read.
   *
   * @param stack null when the whole node could not be read (its engine)
   */
  public record Unreadable(String node, String stack, String reason) {}

  /** The outcome, as the exit code and the JSON's {@code result} say it. */
  public enum Result {
    /** Every difference is expected (exit 0). */
    SAME(0),
    /** At least one unexpected difference (exit 1). */
    DIFFERENT(1),
    /** A node or stack could not be read (exit 2): the comparison is incomplete. */
    UNREADABLE(2);

    private final int exitCode;

    Result(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Result result() {
    if (!unreadable.isEmpty()) {
      return Result.UNREADABLE;
    }
    return unexpected() > 0 ? Result.DIFFERENT : Result.SAME;
  }

  public long unexpected() {
    return comparisons.stream().mapToLong(Comparison::unexpected).sum();
  }

  public long expected() {
    return comparisons.stream().mapToLong(c -> c.differences().size() - c.unexpected()).sum();
  }
}
