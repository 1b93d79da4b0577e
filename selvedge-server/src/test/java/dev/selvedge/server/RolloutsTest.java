package dev.selvedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.adapter.http.SocketHttpProbe;
import dev.selvedge.docker.FleetEngines;
import dev.selvedge.evidence.Fingerprints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RolloutsTest {
  @TempDir Path tmp;

  @Test
  void twoReplicasOnTheSameHostnameAndPidOwnRolloutsUnderDifferentNames() throws Exception {
    // two containers: same HOSTNAME, both pid 1; their replica ids differ
    Map<String, String> env = Map.of("HOSTNAME", "web");
    try (SocketHttpProbe probe = new SocketHttpProbe()) {
      OperationSettings ops =
          OperationSettings.defaults(
              FleetEngines.opener(env),
              env,
              Fingerprints.load(Files.createDirectories(tmp.resolve("home"))),
              probe);
      String one = Rollouts.owner(ops.withReplica("replica-1"));
      String two = Rollouts.owner(ops.withReplica("replica-2"));
      assertThat(one).isNotEqualTo(two).contains("replica-1").contains("web");
      assertThat(two).contains("replica-2");
    }
  }
}
