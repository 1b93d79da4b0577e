package dev.selvedge.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "DB_PASSWORD",
        "db_password",
        "MYSQL_ROOT_PASSWD",
        "JWT_SECRET",
        "GITHUB_TOKEN",
        "STRIPE_KEY",
        "openai_api_key",
        "SENDGRID_APIKEY",
        "SSH_PRIVATE_PEM",
        "AWS_CREDENTIALS",
        "DB_PASS",
        "SMTP_PW",
        "MYSQL_PWD",
        "REDIS_PASSWD",
        "GCP_CREDENTIALS",
        "TLS_PRIVATE_KEY",
        "GPG_PASSPHRASE",
        "pass",
        "smtp-pw",
        "AWS_SECRET_ACCESS_KEY",
        "SECRET_KEY_BASE"
      })
  void recognizesSecretLookingNames(String key) {
    assertThat(Secrets.isSecretKey(key, Set.of())).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "LOG_LEVEL",
        "KEYBOARD",
        "KEY_ID",
        "DB_HOST",
        "MONKEY",
        "",
        "PASSWORD_MIN_LENGTH",
        "MIN_PASSWORD_LENGTH",
        "TOKEN_TTL",
        "JWT_TOKEN_EXPIRY",
        "DB_PASSWORD_FILE",
        "AWS_ACCESS_KEY_ID",
        "OAUTH_TOKEN_URL",
        "BYPASS_CACHE",
        "COMPASS",
        "PWM_CHANNEL",
        "PASSENGER_COUNT",
        "KEY"
      })
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
