package dev.selvedge.drift;

import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.port.RemoteHost;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/** Compose files read from an engine's host, over the same connection as the engine. */
record RemoteSourceFiles(RemoteHost host) implements SourceFiles {
  @Override
  public Optional<byte[]> read(Path file) {
    return host.readBytes(file.toString());
  }

  @Override
  public boolean isFile(Path file) {
    return host.isFile(file.toString());
  }

  /** These files with {@code files} read ahead, together (see {@link RemoteHost#prefetched}). */
  RemoteSourceFiles prefetched(Collection<Path> files) {
    return new RemoteSourceFiles(host.prefetched(files.stream().map(Path::toString).toList()));
  }
}
