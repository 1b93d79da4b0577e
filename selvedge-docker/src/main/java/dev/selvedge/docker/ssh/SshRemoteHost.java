package dev.selvedge.docker.ssh;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.selvedge.port.EngineUnreachableException;
import dev.selvedge.port.LocalHost;
import dev.selvedge.port.RemoteHost;
import dev.selvedge.port.RemoteHostException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A host's files over the SSH session of an {@code ssh://} engine. Any number of files are read by
 * one small POSIX {@code sh} script on one exec channel, each answered with what is there (nothing,
 * a directory, a regular file's size and bytes, ...), so the host needs nothing but a shell and
 * {@code cat}, and a deploy directory costs one round trip ({@link #prefetched}).
 */
final class SshRemoteHost implements RemoteHost {
  static final long MAX_FILE_BYTES = LocalHost.MAX_FILE_BYTES;

  /**
   * Arguments: a random tag, a block count, then the paths. Per path, one header line: {@code M}
   * nothing there, {@code D} a directory, {@code O} not a regular file (a FIFO would never end),
   * {@code R} unreadable, or {@code F} followed by the file's bytes (at most one block over the
   * limit: {@code dd} stops there) and a line with the tag and dd's exit status. The tag is new for
   * every read, so no file holds it; one process per file read, none for the rest. One line, no
   * '!': login shells parse it before sh does.
   */
  static final String SCRIPT =
      "tag=$1; blocks=$2; shift 2; for p in \"$@\"; do"
          + " if test -d \"$p\"; then printf 'D\\n';"
          + " elif test -f \"$p\"; then"
          + " if test -r \"$p\"; then printf 'F\\n';"
          + " dd if=\"$p\" bs=65536 count=$blocks 2>/dev/null; printf '\\n%s %s\\n' \"$tag\" $?;"
          + " else printf 'R\\n'; fi;"
          + " elif test -e \"$p\"; then printf 'O\\n';"
          + " else printf 'M\\n'; fi; done";

  private static final int BLOCK = 65536;

  /** Tags no file author can guess ahead of a read. */
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SshTransport transport;
  private final Duration timeout;

  SshRemoteHost(SshTransport transport, Duration timeout) {
    this.transport = transport;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return transport.target();
  }

  @Override
  public Optional<byte[]> readBytes(String path) {
    return read(List.of(path)).get(path).bytes(name(), path);
  }

  @Override
  public boolean isFile(String path) {
    return read(List.of(path)).get(path).isFile();
  }

  @Override
  public boolean exists(String path) {
    return read(List.of(path)).get(path).exists();
  }

  @Override
  public RemoteHost prefetched(Collection<String> paths) {
    return new Prefetched(this, read(paths));
  }

  /** This host with some paths already read: answers for them from memory, asks for the rest. */
  private record Prefetched(SshRemoteHost host, Map<String, Entry> entries) implements RemoteHost {
    @Override
    public String name() {
      return host.name();
    }

    @Override
    public Optional<byte[]> readBytes(String path) {
      Entry e = entries.get(path);
      return e == null ? host.readBytes(path) : e.bytes(name(), path);
    }

    @Override
    public boolean isFile(String path) {
      Entry e = entries.get(path);
      return e == null ? host.isFile(path) : e.isFile();
    }

    @Override
    public boolean exists(String path) {
      Entry e = entries.get(path);
      return e == null ? host.exists(path) : e.exists();
    }

    @Override
    public RemoteHost prefetched(Collection<String> paths) {
      List<String> more = paths.stream().filter(p -> !entries.containsKey(p)).toList();
      if (more.isEmpty()) {
        return this;
      }
      Map<String, Entry> all = new HashMap<>(entries);
      all.putAll(host.read(more));
      return new Prefetched(host, Map.copyOf(all));
    }
  }

  private enum Kind {
    MISSING,
    DIRECTORY,
    OTHER,
    UNREADABLE,
    TOO_LARGE,
    FILE,
    FAILED
  }

  /** What one path held when it was read. */
  private record Entry(Kind kind, byte[] content, String detail) {
    boolean exists() {
      return kind != Kind.MISSING;
    }

    boolean isFile() {
      return kind == Kind.FILE
          || kind == Kind.UNREADABLE
          || kind == Kind.TOO_LARGE
          || kind == Kind.FAILED;
    }

    Optional<byte[]> bytes(String host, String path) {
      String why =
          switch (kind) {
            case MISSING -> null;
            case FILE -> null;
            case DIRECTORY -> "is a directory, not a file";
            case OTHER -> "not a regular file";
            case UNREADABLE -> "permission denied";
            case TOO_LARGE -> "larger than " + (MAX_FILE_BYTES >> 20) + " MiB";
            case FAILED -> detail;
          };
      if (why != null) {
        throw new RemoteHostException(host, "cannot read " + path + ": " + why, null);
      }
      return kind == Kind.MISSING ? Optional.empty() : Optional.of(content.clone());
    }
  }

  /** Every path of {@code paths}, read by one script on one exec channel. */
  private Map<String, Entry> read(Collection<String> paths) {
    List<String> unique = new ArrayList<>(new LinkedHashSet<>(paths));
    if (unique.isEmpty()) {
      return Map.of();
    }
    String tag = "selvedge-" + Long.toHexString(RANDOM.nextLong());
    StringBuilder command = new StringBuilder("sh -c ").append(quote(SCRIPT)).append(" sh ");
    command.append(tag).append(' ').append(MAX_FILE_BYTES / BLOCK + 1);
    for (String p : unique) {
      command.append(' ').append(quote(p));
    }
    // Each file at most a block over the limit, plus the headers and trailers.
    long limit = Math.min(Integer.MAX_VALUE - 8, unique.size() * (MAX_FILE_BYTES + BLOCK + 256));
    Result r = run(command.toString(), (int) limit);
    if (r.exit() != 0) {
      throw new RemoteHostException(
          name(),
          "cannot read " + describe(unique) + ": the host's sh failed: " + firstLine(r.stderr()),
          null);
    }
    return parse(unique, r.stdout(), tag, firstLine(r.stderr()));
  }

  private Map<String, Entry> parse(List<String> paths, byte[] out, String tag, String stderr) {
    byte[] trailer = ("\n" + tag + " ").getBytes(StandardCharsets.US_ASCII);
    Map<String, Entry> entries = new HashMap<>();
    int at = 0;
    for (String path : paths) {
      int nl = indexOf(out, (byte) '\n', at);
      if (nl < 0) {
        throw endedEarly(path, stderr);
      }
      String header = new String(out, at, nl - at, StandardCharsets.US_ASCII);
      at = nl + 1;
      Entry entry =
          switch (header) {
            case "M" -> new Entry(Kind.MISSING, null, null);
            case "D" -> new Entry(Kind.DIRECTORY, null, null);
            case "O" -> new Entry(Kind.OTHER, null, null);
            case "R" -> new Entry(Kind.UNREADABLE, null, null);
            case "F" -> null;
            default ->
                throw new RemoteHostException(
                    name(),
                    "cannot read "
                        + path
                        + ": unexpected output "
                        + (header.length() > 80 ? header.substring(0, 80) + "..." : header)
                        + " (does a login script of the host print to stdout?)",
                    null);
          };
      if (entry == null) {
        int end = indexOf(out, trailer, at);
        int statusEnd = end < 0 ? -1 : indexOf(out, (byte) '\n', end + trailer.length);
        if (statusEnd < 0) {
          throw endedEarly(path, stderr);
        }
        String status =
            new String(out, end + trailer.length, statusEnd - end - trailer.length, US_ASCII);
        if (!status.equals("0")) {
          entry = new Entry(Kind.FAILED, null, "dd exited with " + status);
        } else if (end - at > MAX_FILE_BYTES) {
          entry = new Entry(Kind.TOO_LARGE, null, null);
        } else {
          entry = new Entry(Kind.FILE, Arrays.copyOfRange(out, at, end), null);
        }
        at = statusEnd + 1;
      }
      entries.put(path, entry);
    }
    return entries;
  }

  /** The script stopped before answering for {@code path}: what it said on stderr, if anything. */
  private RemoteHostException endedEarly(String path, String stderr) {
    return new RemoteHostException(
        name(),
        "cannot read "
            + path
            + ": the answer ended early"
            + (stderr.isEmpty() ? "" : ": " + stderr),
        null);
  }

  private static String describe(List<String> paths) {
    return paths.size() == 1 ? paths.get(0) : paths.size() + " files (" + paths.get(0) + ", ...)";
  }

  private static int indexOf(byte[] b, byte value, int from) {
    for (int i = Math.max(0, from); i < b.length; i++) {
      if (b[i] == value) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] b, byte[] sought, int from) {
    for (int i = Math.max(0, from); i + sought.length <= b.length; i++) {
      if (Arrays.equals(b, i, i + sought.length, sought, 0, sought.length)) {
        return i;
      }
    }
    return -1;
  }

  private record Result(int exit, byte[] stdout, String stderr) {}

  private Result run(String command, int maxBytes) {
    ClientSession session;
    try {
      session = transport.session();
    } catch (EngineUnreachableException e) {
      // Its message names the endpoint already; this one names the host once.
      throw new RemoteHostException(name(), e.reason(), e);
    }
    Limited out = new Limited(maxBytes);
    SshTransport.Stderr err = new SshTransport.Stderr();
    try (ChannelExec channel = transport.execChannel(session, command)) {
      channel.setOut(out);
      channel.setErr(err);
      channel.open().verify(timeout);
      Set<ClientChannelEvent> events =
          channel.waitFor(
              EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS),
              timeout.toMillis());
      if (out.overflow) {
        throw new RemoteHostException(
            name(), "the files asked for are larger than " + (maxBytes >> 20) + " MiB", null);
      }
      if (events.contains(ClientChannelEvent.TIMEOUT)) {
        throw new RemoteHostException(
            name(), "no answer within " + timeout.toSeconds() + " s to reading files", null);
      }
      // The exit status can come just before the last output: wait for the channel to close.
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout.toMillis());
      Integer exit = channel.getExitStatus();
      return new Result(exit == null ? -1 : exit, out.bytes(), err.text());
    } catch (IOException e) {
      throw new RemoteHostException(name(), "reading files failed: " + e.getMessage(), e);
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  /** A word for a POSIX shell: single quotes, with embedded ones closed and escaped. */
  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static final class Limited extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int max;
    boolean overflow;

    Limited(int max) {
      this.max = max;
    }

    @Override
    public synchronized void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      if (bytes.size() + len > max) {
        overflow = true;
        return;
      }
      bytes.write(b, off, len);
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }
}
