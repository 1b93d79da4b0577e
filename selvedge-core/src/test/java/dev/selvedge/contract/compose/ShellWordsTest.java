package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShellWordsTest {

  @Test
  void splitsOnUnquotedWhitespace() {
    assertThat(ShellWords.split("  echo\thello \n world  "))
        .containsExactly("echo", "hello", "world");
    assertThat(ShellWords.split("")).isEmpty();
    assertThat(ShellWords.split("   ")).isEmpty();
  }

  @Test
  void doubleQuotesGroupAndBackslashEscapesAnyCharacter() {
    assertThat(ShellWords.split("echo \"a b\"")).containsExactly("echo", "a b");
    assertThat(ShellWords.split("\"a\\\"b\"")).containsExactly("a\"b");
    assertThat(ShellWords.split("\"a\\nb\"")).containsExactly("anb");
    assertThat(ShellWords.split("pre\"mid dle\"post")).containsExactly("premid dlepost");
  }

  @Test
  void singleQuotesAreLiteral() {
    assertThat(ShellWords.split("sh -c 'echo $HOME \"x\" \\n'"))
        .containsExactly("sh", "-c", "echo $HOME \"x\" \\n");
  }

  @Test
  void backslashOutsideQuotesEscapesTheNextCharacter() {
    assertThat(ShellWords.split("a\\ b c")).containsExactly("a b", "c");
    assertThat(ShellWords.split("\\'x")).containsExactly("'x");
  }

  @Test
  void emptyQuotesMakeAnEmptyWord() {
    assertThat(ShellWords.split("echo \"\" ''")).containsExactly("echo", "", "");
  }

  @Test
  void commandSubstitutionIsKeptLiterally() {
    assertThat(ShellWords.split("echo $(date +%s) x")).containsExactly("echo", "$(date +%s)", "x");
    assertThat(ShellWords.split("echo `a b` x")).containsExactly("echo", "`a b`", "x");
  }

  @Test
  void unquotedOperatorStopsReadingAsComposeDoes() {
    ShellWords.Result r = ShellWords.splitDetailed("a b; c");
    assertThat(r.words()).containsExactly("a", "b");
    assertThat(r.stoppedAt()).isEqualTo(3);
    assertThat(ShellWords.split("run && other")).containsExactly("run");
    assertThat(ShellWords.split("cmd 2>/dev/null")).containsExactly("cmd");
    assertThat(ShellWords.split("cmd foo>x")).containsExactly("cmd", "foo");
    assertThat(ShellWords.splitDetailed("echo \"a;b\" 'c|d' e\\&f"))
        .isEqualTo(new ShellWords.Result(List.of("echo", "a;b", "c|d", "e&f"), -1));
  }

  @ParameterizedTest(name = "{0} is rejected")
  @ValueSource(strings = {"echo \"abc", "echo 'x", "x\\", "echo `x", "echo $(x", "echo (x)", "x)"})
  void rejectsMalformedLines(String line) {
    assertThatThrownBy(() -> ShellWords.split(line))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(line);
  }
}
