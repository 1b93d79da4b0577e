package dev.selvedge.server.ui;

import dev.selvedge.port.ApiKeyStore.ApiKey;

/**
 * What every page's layout shows: its title, who is signed in and the form token.
 *
 * @param keyName null when no one is signed in
 * @param csrf the session's CSRF token (null when signed out)
 * @param nav which top link is the current page ({@code fleet}, or empty)
 */
public record Page(
    String title, String keyName, String scope, String csrf, Assets assets, String nav) {

  /**
   * A time as the pages show it: an ISO-8601 instant to the second ({@code 2026-12-04T23:50:38Z};
   * the {@code datetime} attribute keeps it whole); anything else as it is.
   */
  public static String shownTime(String at) {
    try {
      return java.time.Instant.parse(at)
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
          .toString();
    } catch (java.time.format.DateTimeParseException e) {
      return at;
    }
  }

  static Page signedOut(String title, Assets assets) {
    return new Page(title, null, null, null, assets, "");
  }

  static Page of(String title, SessionAuth.Signed signed, Assets assets, String nav) {
    ApiKey key = signed.key();
    return new Page(
        title, key.name(), key.scope().label(), SessionAuth.csrfToken(signed), assets, nav);
  }

  public boolean signedIn() {
    return keyName != null;
  }
}
