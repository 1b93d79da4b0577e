package dev.selvedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
  @Test
  void colourAndTitleSequencesShowEscaped() {
    assertThat(TerminalText.escapeControls("\u001b[31mred\u001b[0m"))
        .isEqualTo("\\x1b[31mred\\x1b[0m");
    // OSC 0 (window title), ended by BEL or by ST.
    assertThat(TerminalText.escapeControls("\u001b]0;pwned\u0007")).isEqualTo("\\x1b]0;pwned\\x07");
    assertThat(TerminalText.escapeControls("\u001b]2;t\u001b\\")).isEqualTo("\\x1b]2;t\\x1b\\");
  }

  @Test
  void everyOtherControlShowsEscapedButTabAndNewline() {
    assertThat(TerminalText.escapeControls("a\u0000b\rc\bd\u007fe"))
        .isEqualTo("a\\x00b\\x0dc\\x08d\\x7fe");
    // C1 controls: U+009B is a one-character CSI on terminals that read 8-bit controls.
    assertThat(TerminalText.escapeControls("\u009b31m\u0085\u0090"))
        .isEqualTo("\\u009b31m\\u0085\\u0090");
    assertThat(TerminalText.escapeControls("k\tv\n")).isEqualTo("k\tv\n");
  }

  @Test
  void ordinaryTextIsLeftAsItIs() {
    String text = "GET /a\\b 200 — naïve ✓ 日本 \u00a0 €";
    assertThat(TerminalText.escapeControls(text)).isSameAs(text);
    assertThat(TerminalText.escapeControls("")).isEmpty();
  }
}
