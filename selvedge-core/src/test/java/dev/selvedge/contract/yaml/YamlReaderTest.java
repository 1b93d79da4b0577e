package dev.selvedge.contract.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.ContractException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class YamlReaderTest {

  @Test
  void keepsLinesAndQuoting() {
    MapNode root = (MapNode) YamlReader.read("f.yaml", "a: 1\nb: \"1\"\nc:\n");
    ScalarNode a = (ScalarNode) root.get("a");
    ScalarNode b = (ScalarNode) root.get("b");
    assertThat(a.resolved()).isEqualTo(1L);
    assertThat(b.resolved()).isEqualTo("1");
    assertThat(b.mark()).isEqualTo(new Mark("f.yaml", 2, 4));
    assertThat(((ScalarNode) root.get("c")).isNull()).isTrue();
  }

  @Test
  void readsComposeTags() {
    MapNode root = (MapNode) YamlReader.read("f.yaml", "a: !reset []\nb: !override {x: 1}\n");
    assertThat(root.get("a").tag()).isEqualTo(Tag.RESET);
    assertThat(root.get("b").tag()).isEqualTo(Tag.OVERRIDE);
  }

  @Test
  void appliesMergeKeysWithExplicitKeysWinning() {
    Object doc = Nodes.parseToJava("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\n");
    assertThat(doc)
        .isEqualTo(Map.of("base", Map.of("x", 1L, "y", 2L), "svc", Map.of("x", 1L, "y", 3L)));
  }

  @Test
  void refusesDuplicateKeys() {
    assertThatThrownBy(() -> YamlReader.read("f.yaml", "a: 1\na: 2\n"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("f.yaml:2");
  }

  @Test
  @Timeout(5)
  void refusesAliasBombsQuickly() {
    StringBuilder sb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; c++) {
      sb.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 10; i++) {
        sb.append(i == 0 ? "" : ", ").append('*').append(prev);
      }
      sb.append("]\n");
      prev = c;
    }
    assertThatThrownBy(() -> YamlReader.read("bomb.yaml", sb.toString()))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("bomb.yaml")
        .hasMessageContaining("refusing");
  }

  @Test
  @Timeout(5)
  void refusesDeepNestingQuickly() {
    String deep = "a: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
    assertThatThrownBy(() -> YamlReader.read("deep.yaml", deep))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("nesting deeper than");
    StringBuilder block = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      block.append("  ".repeat(i)).append("k").append(i).append(":\n");
    }
    assertThatThrownBy(() -> YamlReader.read("deep2.yaml", block.toString()))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("nesting deeper than");
  }

  @Test
  @Timeout(5)
  void refusesOversizedFiles() {
    String big = "a: \"" + "x".repeat(YamlReader.MAX_BYTES) + "\"\n";
    assertThatThrownBy(() -> YamlReader.read("big.yaml", big))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("larger than");
  }

  @Test
  void emptyDocumentIsAnEmptyMapping() {
    assertThat(YamlReader.read("e.yaml", "")).isInstanceOf(MapNode.class);
    assertThat(Nodes.toJava(YamlReader.read("e.yaml", "# only a comment\n"))).isEqualTo(Map.of());
    assertThat(Nodes.parseToJava("- 1\n- two\n")).isEqualTo(List.of(1L, "two"));
  }
}
