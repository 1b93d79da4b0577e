package dev.selvedge.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "DB_PASSWORD", "db_password", "MYSQL_ROOT_PASSWD", "JWT_SECRET", "GITHUB_TOKEN",
        "STRIPE_KEY", "openai_api_key", "SENDGRID_APIKEY", "SSH_PRIVATE_PEM", "AWS_CREDENTIALS"
      })
  void recognizesSecretLookingNames(String key) {
    assertThat(Secrets.isSecretKey(key, Set.of())).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"LOG_LEVEL", "KEYBOARD", "KEY_ID", "DB_HOST", "MONKEY", ""})
  void leavesOrdinaryNamesAlone(String key) {
    assertThat(Secrets.isSecretKey(key, Set.of())).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"STRIPE", "LICENSE"})
  void declaredKeysAreSecret(String key) {
    assertThat(Secrets.isSecretKey(key, Set.of("STRIPE", "LICENSE"))).isTrue();
    assertThat(Secrets.isSecretKey(key, Set.of())).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "  ",
        "changeme",
        "ChangeMe",
        "CHANGE_ME",
        "change-me",
        "<token>",
        "xxx",
        "XXXXXX",
        "${VAULT_TOKEN}",
        "$VAULT_TOKEN"
      })
  void recognizesPlaceholders(String v) {
    assertThat(Secrets.isPlaceholder(v)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"hunter2", "x", "changeme123", "<a", "${A}b", "sk_live_xxx"})
  void realLookingValuesAreNotPlaceholders(String v) {
    assertThat(Secrets.isPlaceholder(v)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void referencesWithoutADefaultArePlaceholders() {
    org.assertj.core.api.Assertions.assertThat(Secrets.isPlaceholder("${DB_PASSWORD:?set it}"))
        .isTrue();
    org.assertj.core.api.Assertions.assertThat(Secrets.isPlaceholder("${DB_PASSWORD?}")).isTrue();
    org.assertj.core.api.Assertions.assertThat(Secrets.isPlaceholder("${DB_PASSWORD:-}")).isTrue();
    org.assertj.core.api.Assertions.assertThat(Secrets.isPlaceholder("${DB_PASSWORD:-s3cret}"))
        .isFalse();
  }
}
