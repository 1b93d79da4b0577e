package dev.selvedge.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretValuesTest {
  private static final String M = SecretValues.MASK;

  /**
   * A secret substituted into {@code scalar} at {@code path}, from {@code start} to {@code end}.
   */
  private static SecretValues substitutedAt(String path, String scalar, int start, int end) {
    return SecretValues.of(List.of(), List.of(new SecretValues.Site(path, scalar, start, end)));
  }

  /** "wordpress" substituted into the password of a URL at environment.DB_URL. */
  private static final SecretValues URL_SITE =
      substitutedAt("services.*.environment.DB_URL", "mysql://wordpress:wordpress@db", 18, 27);

  @Test
  void onlyTheSubstitutedSpanIsMaskedNotOtherOccurrences() {
    assertThat(URL_SITE.scrub("services.web.environment.DB_URL", "mysql://wordpress:wordpress@db"))
        .isEqualTo("mysql://wordpress:" + M + "@db");
  }

  @Test
  void otherPathsKeepTheSameTextUntouched() {
    assertThat(URL_SITE.scrub("services.web.image", "wordpress:latest"))
        .isEqualTo("wordpress:latest");
    assertThat(URL_SITE.scrub("services.web.environment.DB_USER", "wordpress"))
        .isEqualTo("wordpress");
    assertThat(URL_SITE.scrub("services.web.container_name", "wordpress")).isEqualTo("wordpress");
  }

  @Test
  void aPartOfTheScalarIsMaskedWhereItOverlapsTheSpan() {
    SecretValues s = substitutedAt("services.*.environment.PW", "PW=abc", 3, 6);
    // The model keeps the value of KEY=value: it lies at offset 3 of the scalar.
    assertThat(s.scrub("services.a.environment.PW", "abc")).isEqualTo(M);
  }

  @Test
  void aRewrittenTextFallsBackToMaskingTheValueWhereverItOccursAtThatSite() {
    SecretValues s = substitutedAt("services.*.command", "sh -c 'login s3cr3t-pw'", 13, 22);
    // Shell words lose their quotes: "login s3cr3t-pw" is not a substring of the scalar as written.
    assertThat(s.scrub("services.a.command[2]", "login s3cr3t-pw")).isEqualTo("login " + M);
    assertThat(s.scrub("services.a.entrypoint[0]", "login s3cr3t-pw")).isEqualTo("login s3cr3t-pw");
  }

  @Test
  void listItemsKeepTheirIndex() {
    SecretValues s = substitutedAt("services.*.command[0]", "--pw=wordpress", 5, 14);
    assertThat(s.scrub("services.a.command[0]", "--pw=wordpress")).isEqualTo("--pw=" + M);
    assertThat(s.scrub("services.a.command[1]", "wordpress")).isEqualTo("wordpress");
  }

  @Test
  void aShortSyntaxValueIsFoundUnderTheLongSyntaxKeys() {
    SecretValues s = substitutedAt("services.*.ports[0]", "8125:80", 0, 4);
    assertThat(s.scrub("services.a.ports[0].published", "8125")).isEqualTo(M);
    assertThat(s.scrub("services.a.ports[0].target", "80")).isEqualTo("80");
  }

  @Test
  void aServiceNameWithDotsStillFindsItsSites() {
    SecretValues s = substitutedAt("services.*.image", "app:s3cr3t", 4, 10);
    assertThat(s.scrub("services.my.app.image", "app:s3cr3t")).isEqualTo("app:" + M);
  }

  @Test
  void driftShowsTheSecretAsItsFingerprint() {
    assertThat(
            URL_SITE.scrub(
                "services.x.environment.DB_URL", "mysql://wordpress:wordpress@db", v -> "<fp>"))
        .isEqualTo("mysql://wordpress:<fp>@db");
  }

  @Test
  void textOfUnknownOriginIsScrubbedOfEveryValueButPublicOnes() {
    SecretValues s = SecretValues.of(List.of("wordpress", "n0t-public-pw"));
    assertThat(s.scrub("pull wordpress:latest with n0t-public-pw"))
        .isEqualTo("pull " + M + ":latest with " + M);
    SecretValues kept = s.withoutPublic(List.of("WordPress:latest"));
    assertThat(kept.scrub("pull wordpress:latest with n0t-public-pw"))
        .isEqualTo("pull wordpress:latest with " + M);
    assertThat(kept.scrub("", "n0t-public-pw")).as("no path is unknown origin").isEqualTo(M);
  }

  @Test
  void urlPasswordsAreMaskedByEveryScrub() {
    String line = "sending via smtp://mailer:hunter2@mail:25 and https://tok@api/x";
    String masked = "sending via smtp://mailer:" + M + "@mail:25 and https://tok@api/x";
    assertThat(SecretValues.NONE.scrub(line)).isEqualTo(masked);
    assertThat(SecretValues.NONE.scrub("services.a.command[0]", line)).isEqualTo(masked);
    assertThat(Secrets.maskUrlPasswords("postgres://u:p@ss@db:5432/x", M))
        .as("an unescaped @ belongs to the password")
        .isEqualTo("postgres://u:" + M + "@db:5432/x");
    assertThat(Secrets.maskUrlPasswords("http://host:8080/a@b", M))
        .isEqualTo("http://host:8080/a@b");
  }

  @Test
  void toStringShowsNoValue() {
    assertThat(URL_SITE.toString()).doesNotContain("wordpress");
    assertThat(URL_SITE.sites().get(0).toString()).doesNotContain("wordpress");
  }
}
