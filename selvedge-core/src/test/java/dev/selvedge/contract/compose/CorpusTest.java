package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every real-world Compose file of the shared corpus loads and renders. */
class CorpusTest {

  @TestFactory
  Stream<DynamicTest> everyCorpusFileLoadsAndRenders() {
    Path corpus = SharedData.corpus();
    List<Path> files = SharedData.corpusFiles();
    assertThat(files).isNotEmpty();
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    corpus.relativize(f).toString(),
                    () -> {
                      Project p =
                          ComposeLoader.load(
                              LoadOptions.of(f.getParent())
                                  .withFiles(List.of(f))
                                  .withEnvironment(Map.of()));
                      assertThat(p.services()).isNotEmpty();
                      var json = ComposeConfig.redacted().render(p);
                      assertThat(json.get("services").size()).isEqualTo(p.services().size());
                    }));
  }
}
