package dev.selvedge.contract.model;

/**
 * An input the contract was read from, with the SHA-256 of its bytes (for evidence); null for env
 * files, whose plain hash would let anyone holding the evidence guess a weak secret offline.
 *
 * @param path relative to the project directory when inside it, else absolute
 * @param shown the name the file has in {@link dev.selvedge.contract.yaml.Mark}s and messages
 *     (relative to the working directory the contract was loaded from), so a location can be mapped
 *     back to {@code path}
 */
public record SourceFile(String path, String role, String sha256, String shown) {
  public SourceFile {
    shown = shown == null ? path : shown;
  }

  /** A file shown under its evidence path. */
  public SourceFile(String path, String role, String sha256) {
    this(path, role, sha256, path);
  }
}
