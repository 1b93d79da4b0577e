package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.selvedge.contract.ContractException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DotEnvTest {
  private static final Function<String, String> NONE = name -> null;

  @Test
  void unterminatedQuotePointsAtTheOpeningQuote() {
    assertThatThrownBy(() -> DotEnv.parse("A=1\nB = \"never\nclosed\n", "app.env", NONE))
        .isInstanceOfSatisfying(
            ContractException.class,
            e -> {
              assertThat(e.mark().file()).isEqualTo("app.env");
              assertThat(e.mark().line()).isEqualTo(2);
              assertThat(e.mark().column()).isEqualTo(5);
              assertThat(e.getMessage()).contains("unterminated quoted value");
            });
  }

  @Test
  void linesAreCountedThroughMultiLineValues() {
    assertThatThrownBy(() -> DotEnv.parse("A='x\ny\nz'\nB=1\nBAD KEY=2\n", ".env", NONE))
        .isInstanceOfSatisfying(
            ContractException.class,
            e -> {
              assertThat(e.mark().line()).isEqualTo(5);
              assertThat(e.mark().column()).isEqualTo(4);
              assertThat(e.getMessage()).contains("key cannot contain a space");
            });
  }

  @Test
  void crlfAndBomAreTolerated() {
    Map<String, String> env =
        DotEnv.parse("\uFEFFA=1\r\nB=\"x\r\ny\"\r\nC=3 # c\r\n", ".env", NONE);
    assertThat(env)
        .containsExactly(Map.entry("A", "1"), Map.entry("B", "x\ny"), Map.entry("C", "3"));
  }

  @Test
  void escapedDollarsStayLiteral() {
    Map<String, String> env = DotEnv.parse("X=v\nA=\"\\$X \\044X $X\"\nB='$X'\n", ".env", NONE);
    assertThat(env).containsEntry("A", "$X $X v").containsEntry("B", "$X");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "DB_PASSWORD PLANTED",
        "DB_PASSWORD PLANTED=x",
        "export DB_PASSWORD PLANTED",
        "DB_PASSWORD=PLANTED${",
        "DB_PASSWORD=${PLANTED",
        "DB_PASSWORD=${X:-PLANTED${}",
        "DB_PASSWORD=\"PLANTED${\"",
        "DB_PASSWORD=\"PLANTED",
        "DB_PASSWORD='PLANTED",
        "DB_P@SS=PLANTED",
        "DB_P@SS PLANTED",
        "DB_PASSWORD\t PLANTED # note",
      })
  void malformedLinesNeverEchoTheirValue(String line) {
    ContractException e =
        catchThrowableOfType(
            ContractException.class,
            () -> DotEnv.parse("A=1\n" + line + "\nB=2\n", "app.env", NONE));
    assertThat(e).as("must fail").isNotNull();
    assertThat(e.mark().file()).isEqualTo("app.env");
    assertThat(e.mark().line()).isEqualTo(2);
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(t.toString()).doesNotContain("PLANTED");
    }
    assertThat(e.getMessage()).containsAnyOf("DB_PASSWORD", "DB_P@SS", "quoted value");
  }

  @Test
  void expansionErrorsNameTheKeyButNotTheValue() {
    assertThatThrownBy(() -> DotEnv.parse("DB_PASSWORD=PLANTED${\n", "app.env", NONE))
        .isInstanceOfSatisfying(
            ContractException.class,
            e -> {
              assertThat(e.path()).isEqualTo("DB_PASSWORD");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "app.env:1:13: invalid ${...} in the value of DB_PASSWORD (value not shown);"
                          + " write $$ for a literal $");
            });
  }

  @Test
  void badCharactersInANameShowOnlyTheName() {
    assertThatThrownBy(() -> DotEnv.parse("%!(EXTRA string)=foo", ".env", NONE))
        .isInstanceOfSatisfying(
            ContractException.class,
            e -> {
              assertThat(e.mark().line()).isEqualTo(1);
              assertThat(e.getMessage())
                  .contains("unexpected character \"%\" in variable name \"%!(EXTRA\"")
                  .doesNotContain("foo")
                  .doesNotContain("string");
            });
  }

  @Test
  void literalParsingKeepsReferencesAsWritten() {
    Map<String, String> env =
        DotEnv.parseLiteral(
            "export A=${X:?needed}@db # c\n"
                + "B=\"$Y \\$Z \\044W\\tq\"\n"
                + "C='${Q}'\n"
                + "D=${\n"
                + "BARE\n"
                + "E: $A\n",
            ".env.example");
    assertThat(env)
        .containsExactly(
            Map.entry("A", "${X:?needed}@db"),
            Map.entry("B", "$Y $Z $W\tq"),
            Map.entry("C", "${Q}"),
            Map.entry("D", "${"),
            Map.entry("BARE", ""),
            Map.entry("E", "$A"));
  }

  @Test
  void literalParsingKeepsTheSyntaxRules() {
    assertThatThrownBy(() -> DotEnv.parseLiteral("A=1\nB=\"open\n", ".env.example"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("unterminated quoted value");
    assertThatThrownBy(() -> DotEnv.parseLiteral("BAD KEY=2\n", ".env.example"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("key cannot contain a space");
  }

  @Test
  void missingRequiredVariableNamesTheKeyAndLine() {
    assertThatThrownBy(() -> DotEnv.parse("A=1\nURL=http://${HOST:?set HOST}\n", "x.env", NONE))
        .isInstanceOfSatisfying(
            ContractException.class,
            e -> {
              assertThat(e.path()).isEqualTo("URL");
              assertThat(e.mark().line()).isEqualTo(2);
              assertThat(e.getMessage())
                  .contains("required variable HOST is missing a value: set HOST");
            });
  }

  @Test
  void exportCanBeAKeyItself() {
    assertThat(DotEnv.parse("export=1\nexport B=2\nexport\n", ".env", Map.of("export", "3")::get))
        .containsEntry("B", "2")
        .containsEntry("export", "3");
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nope.env");
    assertThatThrownBy(() -> DotEnv.read(missing, NONE))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("not found");
  }

  @Test
  void readAllSharesOneMapAcrossFiles(@TempDir Path dir) throws Exception {
    Path a = Files.writeString(dir.resolve("a.env"), "HOST=a\n1X=kept\n");
    Path b = Files.writeString(dir.resolve("b.env"), "URL=http://$HOST\nHOST=b\n");
    assertThat(DotEnv.readAll(List.of(a, b), NONE))
        .containsExactly(
            Map.entry("HOST", "b"), Map.entry("1X", "kept"), Map.entry("URL", "http://a"));
    assertThat(DotEnv.read(a, NONE)).containsOnlyKeys("HOST");
  }
}
