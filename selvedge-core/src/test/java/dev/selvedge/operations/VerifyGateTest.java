package dev.selvedge.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.model.Project;
import dev.selvedge.verify.Finding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verify gate in front of apply, and who and what a deployment records. */
class VerifyGateTest {
  @TempDir Path dir;

  private Project load(String yaml) throws Exception {
    Files.writeString(dir.resolve("compose.yaml"), yaml);
    return ComposeLoader.load(LoadOptions.of(dir));
  }

  @Test
  void theShopExamplePasses() {
    Project shop =
        ComposeLoader.load(
            LoadOptions.of(Path.of("../examples/shop").toAbsolutePath().normalize()));
    VerifyGate.Verdict verdict = VerifyGate.judge(shop, false);
    assertThat(verdict.decision()).isEqualTo(VerifyGate.Decision.PASSED);
    assertThat(verdict.failing()).isEmpty();
    assertThat(verdict.forced()).isFalse();
  }

  @Test
  void aPrivilegedServiceIsRefusedUnlessForcedAndTheFindingsAreSaid() throws Exception {
    Project p = load("services:\n  app:\n    image: example/app:1.0\n    privileged: true\n");
    VerifyGate.Verdict refused = VerifyGate.judge(p, false);
    assertThat(refused.decision()).isEqualTo(VerifyGate.Decision.REFUSED);
    assertThat(refused.forced()).isFalse();
    assertThat(refused.failing()).extracting(Finding::rule).contains("privileged");

    VerifyGate.Verdict forced = VerifyGate.judge(p, true);
    assertThat(forced.decision()).isEqualTo(VerifyGate.Decision.FORCED);
    assertThat(forced.forced()).isTrue();
    assertThat(forced.failing()).isEqualTo(refused.failing());
  }

  @Test
  void theProjectsEnvExampleIsRead() throws Exception {
    // A secret-looking key with a committed value fails only through .env.example.
    Files.writeString(dir.resolve(".env.example"), "DB_PASSWORD=hunter2hunter2\n");
    Project p = load("services:\n  app:\n    image: example/app:1.0\n");
    assertThat(VerifyGate.judge(p, false).failing())
        .extracting(Finding::rule)
        .contains("secret-committed");
  }

  @Test
  void theActorIsSelvedgeActorElseUserAtHost() {
    assertThat(Actor.of(Map.of("SELVEDGE_ACTOR", " ci-bot ", "USER", "ann"))).isEqualTo("ci-bot");
    assertThat(Actor.of(Map.of("USER", "ann", "HOSTNAME", "build-7"))).isEqualTo("ann@build-7");
    assertThat(Actor.of(Map.of("SELVEDGE_ACTOR", " ", "USER", "ann", "HOSTNAME", "h")))
        .isEqualTo("ann@h");
  }

  @Test
  void noGitDirectoryIsNoRevision() throws Exception {
    assertThat(Revision.of(load("services:\n  app:\n    image: example/app:1.0\n"))).isNull();
  }
}
