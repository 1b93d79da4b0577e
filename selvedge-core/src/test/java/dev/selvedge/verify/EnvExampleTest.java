package dev.selvedge.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.Secrets;
import org.junit.jupiter.api.Test;

class EnvExampleTest {
  @Test
  void parsesDeclarationsWithLines() {
    EnvExample env =
        EnvExample.parse(
            "/p/.env.example",
            "# comment\n"
                + "DB_HOST=db\n"
                + "\n"
                + "export API_TOKEN=\n"
                + "QUOTED=\"a # not a comment\"\n"
                + "SINGLE='x'\n"
                + "INLINE=value # comment\n"
                + "BARE\n");
    assertThat(env.present()).isTrue();
    assertThat(env.entries().keySet())
        .containsExactly("DB_HOST", "API_TOKEN", "QUOTED", "SINGLE", "INLINE", "BARE");
    assertThat(env.entries().get("DB_HOST")).isEqualTo(new EnvExample.Entry("db", 2));
    assertThat(env.entries().get("API_TOKEN").value()).isEmpty();
    assertThat(env.entries().get("API_TOKEN").line()).isEqualTo(4);
    assertThat(env.entries().get("QUOTED").value()).isEqualTo("a # not a comment");
    assertThat(env.entries().get("SINGLE").value()).isEqualTo("x");
    assertThat(env.entries().get("INLINE").value()).isEqualTo("value");
    assertThat(env.entries().get("BARE").value()).isEmpty();
    assertThat(env.sha256()).matches("[0-9a-f]{64}");
  }

  @Test
  void rejectsLinesThatAreNotDeclarations() {
    assertThatThrownBy(() -> EnvExample.parse("/p/.env.example", "OK=1\nnot a key=2\n"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("/p/.env.example:2");
  }

  @Test
  void referencesAreKeptAsWrittenAndNeverExpanded() {
    EnvExample env =
        EnvExample.parse(
            "/p/.env.example",
            "URL=${DB_USER:?}@db\n"
                + "DB_PASSWORD=${DB_PASSWORD}\n"
                + "API_TOKEN=$API_TOKEN\n"
                + "BROKEN=${\n"
                + "QUOTED=\"${HOST:-localhost} \\$HOME\"\n"
                + "SINGLE='$X'\n");
    assertThat(env.entries().get("URL").value()).isEqualTo("${DB_USER:?}@db");
    assertThat(env.entries().get("DB_PASSWORD").value()).isEqualTo("${DB_PASSWORD}");
    assertThat(env.entries().get("API_TOKEN").value()).isEqualTo("$API_TOKEN");
    assertThat(env.entries().get("BROKEN").value()).isEqualTo("${");
    assertThat(env.entries().get("QUOTED").value()).isEqualTo("${HOST:-localhost} $HOME");
    assertThat(env.entries().get("SINGLE").value()).isEqualTo("$X");
    assertThat(env.entries().get("BROKEN").line()).isEqualTo(4);
  }

  @Test
  void aLoneReferenceIsAPlaceholderButAWrittenDefaultIsNot() {
    EnvExample env =
        EnvExample.parse(
            "/p/.env.example",
            "DB_PASSWORD=${DB_PASSWORD}\nAPI_TOKEN=${API_TOKEN:-s3cr3t-v4lue}\n");
    assertThat(Secrets.isPlaceholder(env.entries().get("DB_PASSWORD").value())).isTrue();
    assertThat(Secrets.isPlaceholder(env.entries().get("API_TOKEN").value())).isFalse();
  }

  @Test
  void malformedLinesAreReportedWithoutTheirValue() {
    assertThatThrownBy(() -> EnvExample.parse("/p/.env.example", "DB_PASSWORD hunter2\n"))
        .isInstanceOf(ContractException.class)
        .hasMessageContaining("/p/.env.example:1")
        .hasMessageContaining("DB_PASSWORD")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void toStringNeverShowsValues() {
    EnvExample env = EnvExample.parse("/p/.env.example", "DB_PASSWORD=hunter2\n");
    assertThat(env.toString()).contains("DB_PASSWORD").doesNotContain("hunter2");
    assertThat(env.entries().get("DB_PASSWORD").toString()).doesNotContain("hunter2");
  }

  @Test
  void absentFileDeclaresNothing() {
    EnvExample env = EnvExample.absent("/p/.env.example");
    assertThat(env.present()).isFalse();
    assertThat(env.declares("ANY")).isFalse();
  }
}
