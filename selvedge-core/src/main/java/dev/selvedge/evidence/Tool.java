package dev.selvedge.evidence;

/** The program that produced a report, for evidence and SARIF. */
public record Tool(String name, String version) {
  public Tool {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a tool needs a name");
    }
    version = version == null || version.isBlank() ? "unknown" : version;
  }

  /** Selvedge at the given version. */
  public static Tool selvedge(String version) {
    return new Tool("selvedge", version);
  }
}
