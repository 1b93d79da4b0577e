package dev.selvedge.drift;

import dev.selvedge.contract.compose.SourceFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Files read through {@code delegate}, noted: what one load read, another may read elsewhere. */
final class RecordingSourceFiles implements SourceFiles {
  private final SourceFiles delegate;
  private final Set<Path> asked = new LinkedHashSet<>();

  RecordingSourceFiles(SourceFiles delegate) {
    this.delegate = delegate;
  }

  @Override
  public Optional<byte[]> read(Path file) {
    note(file);
    return delegate.read(file);
  }

  @Override
  public boolean isFile(Path file) {
    note(file);
    return delegate.isFile(file);
  }

  private synchronized void note(Path file) {
    asked.add(file.toAbsolutePath().normalize());
  }

  /**
   * The files asked for under {@code from}, as they would be in {@code to}. Others are left out:
   * the same path elsewhere need not be what the other side reads.
   */
  synchronized List<Path> inDirectory(Path from, Path to) {
    List<Path> out = new ArrayList<>();
    for (Path p : asked) {
      if (p.startsWith(from)) {
        out.add(to.resolve(from.relativize(p)));
      }
    }
    return out;
  }
}
