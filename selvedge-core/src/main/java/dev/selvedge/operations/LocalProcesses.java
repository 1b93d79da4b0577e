package dev.selvedge.operations;

import dev.selvedge.port.Lease;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * This machine's processes as lease holders, read from Linux's {@code /proc}: who the current
 * process is, and whether a recorded holder still runs. A pid alone proves nothing (pids are
 * reused), so a holder is the boot it ran in, its PID namespace, its pid and its start time; a
 * holder recorded elsewhere — another machine, another boot, another container's namespace, or a
 * system without {@code /proc} — is never judged dead from here.
 */
public final class LocalProcesses {
  /** What can be told about a recorded holder from here. */
  public enum Liveness {
    ALIVE,
    DEAD,
    /** Not on this machine, or not visible from here: only its lease's expiry says it is gone. */
    UNKNOWN
  }

  /** The real {@code /proc}. */
  public static final LocalProcesses SYSTEM = new LocalProcesses(Path.of("/proc"));

  private final Path proc;

  LocalProcesses(Path proc) {
    this.proc = proc;
  }

  /** The current process, or null when this machine cannot say (no {@code /proc}). */
  public Lease.Holder self() {
    return holder(ProcessHandle.current().pid());
  }

  /** The process {@code pid} as a holder seen from this process's namespace, or null. */
  Lease.Holder holder(long pid) {
    try {
      String bootId = read(proc.resolve("sys/kernel/random/boot_id")).trim();
      String namespace = Files.readSymbolicLink(proc.resolve("self/ns/pid")).toString();
      Stat stat = stat(pid);
      return stat == null ? null : new Lease.Holder(bootId, namespace, pid, stat.startTicks);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether {@code holder} still runs, as far as this process can tell. */
  public Liveness judge(Lease.Holder holder) {
    Lease.Holder me = self();
    if (holder == null
        || me == null
        || !me.bootId().equals(holder.bootId())
        || !Objects.equals(me.pidNamespace(), holder.pidNamespace())
        || pidsHidden()) {
      return Liveness.UNKNOWN;
    }
    Stat stat;
    try {
      stat = stat(holder.pid());
    } catch (IOException | RuntimeException e) {
      return Liveness.UNKNOWN;
    }
    if (stat == null) {
      return Liveness.DEAD;
    }
    // A zombie has exited (its parent has not collected it yet); another start time is another
    // process that was given the same pid.
    if (stat.state == 'Z' || stat.state == 'X' || stat.startTicks != holder.startTicks()) {
      return Liveness.DEAD;
    }
    return Liveness.ALIVE;
  }

  private record Stat(char state, long startTicks) {}

  /** The process's state and start time, or null when there is no such process. */
  private Stat stat(long pid) throws IOException {
    String line;
    try {
      line = read(proc.resolve(pid + "/stat"));
    } catch (NoSuchFileException e) {
      return null;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted
    // from its last ')'; the start time is field 22, the 20th after it.
    String[] fields = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
    return new Stat(fields[0].charAt(0), Long.parseLong(fields[19]));
  }

  /**
   * Whether {@code /proc} hides other users' processes ({@code hidepid}): then a missing pid may be
   * another user's live one.
   */
  private boolean pidsHidden() {
    try {
      for (String mount : read(proc.resolve("self/mounts")).split("\n")) {
        String[] f = mount.split(" ");
        if (f.length > 3 && f[1].equals("/proc") && f[2].equals("proc")) {
          for (String option : f[3].split(",")) {
            if (option.startsWith("hidepid=")
                && !option.equals("hidepid=0")
                && !option.equals("hidepid=off")) {
              return true;
            }
          }
        }
      }
      return false;
    } catch (IOException e) {
      return true; // cannot tell: assume the worst
    }
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
  }
}
