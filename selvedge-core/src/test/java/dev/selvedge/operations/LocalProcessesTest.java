package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.selvedge.operations.LocalProcesses.Liveness;
import dev.selvedge.port.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Telling from a lease's holder whether its process still runs, on real processes. */
class LocalProcessesTest {
  private final LocalProcesses processes = LocalProcesses.SYSTEM;

  @BeforeEach
  void linux() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc: not Linux");
  }

  @Test
  void thisProcessIsAlive() {
    Lease.Holder me = processes.self();
    assertThat(me).isNotNull();
    assertThat(me.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(me.bootId()).isNotBlank();
    assertThat(me.pidNamespace()).startsWith("pid:[");
    assertThat(processes.judge(me)).isEqualTo(Liveness.ALIVE);
  }

  @Test
  void aLiveChildIsAliveAndDeadOnceItExits() throws Exception {
    Process child = new ProcessBuilder("sleep", "600").start();
    try {
      Lease.Holder holder = processes.holder(child.pid());
      assertThat(holder).isNotNull();
      assertThat(processes.judge(holder)).isEqualTo(Liveness.ALIVE);

      child.destroyForcibly(); // SIGKILL, as kill -9
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(processes.judge(holder)).isEqualTo(Liveness.DEAD);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aPidGivenToAnotherProcessIsNotTheHolder() {
    // The recorded holder had this pid but started at another time: the pid was reused.
    Lease.Holder me = processes.self();
    Lease.Holder earlier =
        new Lease.Holder(me.bootId(), me.pidNamespace(), me.pid(), me.startTicks() - 1);
    assertThat(processes.judge(earlier)).isEqualTo(Liveness.DEAD);
  }

  @Test
  void aHolderOfAnotherBootOrNamespaceCannotBeJudgedFromHere() {
    Lease.Holder me = processes.self();
    // Another machine (or this one before a reboot): its pids mean nothing here.
    Lease.Holder elsewhere =
        new Lease.Holder("00000000-0000-0000-0000-000000000000", me.pidNamespace(), 1, 1);
    assertThat(processes.judge(elsewhere)).isEqualTo(Liveness.UNKNOWN);
    // A container on this kernel: same boot, its own pids.
    Lease.Holder container = new Lease.Holder(me.bootId(), "pid:[1]", 999_999, 1);
    assertThat(processes.judge(container)).isEqualTo(Liveness.UNKNOWN);
    assertThat(processes.judge(null)).isEqualTo(Liveness.UNKNOWN);
  }
}
