package dev.selvedge.fleet;

import dev.selvedge.SelvedgeException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The fleet file could not be read or does not validate. Carries every problem found (not only the
 * first), each naming where it is ({@code fleet.yaml:7}, or the environment variable that set the
 * value) and the key, so {@code serve} and {@code fleet} can exit 2 with all of them at once and a
 * reload can say why it kept the running registry.
 */
public final class FleetFileException extends SelvedgeException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final List<Problem> problems;

  /**
   * @param file the fleet file as it was given
   * @param problems at least one
   */
  public FleetFileException(Path file, List<Problem> problems) {
    super(format(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a FleetFileException needs a problem");
    }
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  /** The fleet file as it was given to {@link FleetFile#load}. */
  public Path file() {
    return file;
  }

  /** Every problem found, in the order of the file (overrides after the file's own). */
  public List<Problem> problems() {
    return problems;
  }

  private static String format(List<Problem> problems) {
    return problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
  }

  /**
   * One thing wrong.
   *
   * @param location {@code fleet.yaml:7}, {@code fleet.yaml} (the file as a whole), or the name of
   *     the environment variable whose value is wrong
   * @param line 1-based line in the fleet file; 0 when the problem is not on one line of it
   * @param key the dotted key ({@code nodes.app-1.engine}); empty for the document as a whole
   * @param detail what is wrong and what to write instead
   */
  public record Problem(String location, int line, String key, String detail) {
    public Problem {
      key = key == null ? "" : key;
    }

    @Override
    public String toString() {
      return location + ": " + (key.isEmpty() ? "" : key + ": ") + detail;
    }
  }
}
