package dev.selvedge.contract.yaml;

/**
 * A position in a source file, 1-based. {@link #NONE} when a node was made by Selvedge rather than
 * read from a file.
 */
public record Mark(String file, int line, int column) {
  public static final Mark NONE = new Mark("", 0, 0);

  public Mark {
    file = file == null ? "" : file;
  }

  public static Mark of(String file) {
    return new Mark(file, 0, 0);
  }

  @Override
  public String toString() {
    if (line <= 0) {
      return file;
    }
    return file + ":" + line + ":" + column;
  }
}
