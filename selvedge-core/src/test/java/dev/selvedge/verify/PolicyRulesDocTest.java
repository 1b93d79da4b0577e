package dev.selvedge.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.verify.rules.Rules;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/policy-rules.md documents every registered rule with its real default severity. */
class PolicyRulesDocTest {
  @Test
  void everyRuleHasASectionWithItsDefaultSeverity() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "policy-rules.md"));
    for (Rule r : Rules.all()) {
      String id = r.id();
      String severity = r.defaultSeverity().id();
      assertThat(doc).contains("### `" + id + "` (" + severity + ")");
      assertThat(doc).contains("| `" + id + "` | " + severity + " |");
    }
  }
}
