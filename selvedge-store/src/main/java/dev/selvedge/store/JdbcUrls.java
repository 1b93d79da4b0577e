package dev.selvedge.store;

import java.util.Locale;
import java.util.regex.Pattern;

/** What the store reads from a JDBC URL: the vendor, and the URL fit to show in a message. */
final class JdbcUrls {
  private JdbcUrls() {}

  // H2 takes settings after ';', PostgreSQL takes them as query parameters.
  private static final Pattern H2_CREDENTIAL =
      Pattern.compile(";(?i:USER|PASSWORD)=[^;]*", Pattern.CASE_INSENSITIVE);
  private static final Pattern QUERY_CREDENTIAL =
      Pattern.compile("([?&])(?i:user|password|sslpassword)=[^&]*&?");
  private static final Pattern USER_INFO = Pattern.compile("^(jdbc:[a-z0-9]+://)[^/@?]*@");

  /** The vendor of a URL the store supports. */
  static Vendor vendor(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:h2:")) {
      return Vendor.H2;
    }
    if (lower.startsWith("jdbc:postgresql:")) {
      return Vendor.POSTGRESQL;
    }
    return null;
  }

  static String withoutCredentials(String url) {
    String s = USER_INFO.matcher(url).replaceFirst("$1");
    s = H2_CREDENTIAL.matcher(s).replaceAll("");
    String before;
    do {
      before = s;
      s = QUERY_CREDENTIAL.matcher(s).replaceFirst("$1");
    } while (!s.equals(before));
    if (s.endsWith("?") || s.endsWith("&")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
