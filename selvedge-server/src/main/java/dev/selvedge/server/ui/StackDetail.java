package dev.selvedge.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selvedge.json.TreeJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack page's reading of a stored evidence report: each service's pill with its reasons, and
 * the drift findings laid out as a diff across the four layers (repo, host, container, app). A
 * secret's values are fingerprints in the report; the page shows only whether they differ.
 */
public final class StackDetail {
  private StackDetail() {}

  /** The four layers, left to right. */
  public static final List<String> LAYERS = List.of("repo", "host", "container", "app");

  /** What a secret's value shows as, never the fingerprint itself. */
  static final String FINGERPRINT = "hmac-sha256:";

  /**
   * A service's pill.
   *
   * @param label the pill in words: {@code red: drifted, degraded}
   */
  public record Service(
      String service,
      String pill,
      String sync,
      String health,
      List<String> reasons,
      String label) {}

  /**
   * A finding as a row of the diff.
   *
   * @param values one per {@link #LAYERS}: the value that layer has, {@code "(none)"} where it has
   *     nothing, null where the finding does not compare it; a secret's as {@code differs}
   * @param secret whether the values are secrets' fingerprints
   */
  public record Finding(
      String service,
      String layer,
      String key,
      String kind,
      String severity,
      List<String> values,
      boolean secret,
      String message) {}

  /**
   * The report's reading.
   *
   * @param unreadable why the report could not be read (null: it could)
   */
  public record Report(
      List<Service> services,
      List<String> projectReasons,
      List<Finding> findings,
      String generatedAt,
      String unreadable) {}

  static Report read(String report) {
    JsonNode root;
    try {
      root = TreeJson.readFirst(report);
    } catch (IOException | RuntimeException e) {
      return new Report(
          List.of(), List.of(), List.of(), null, "the stored report is not valid JSON");
    }
    List<Service> services = new ArrayList<>();
    JsonNode status = root.path("status");
    for (JsonNode s : status.path("services")) {
      String pill = s.path("pill").asText("unknown");
      String sync = s.path("sync").asText("unknown");
      String health = s.path("health").asText("unknown");
      services.add(
          new Service(
              s.path("service").asText(),
              pill,
              sync,
              health,
              strings(s.path("reasons")),
              pill + ": " + sync + ", " + health));
    }
    List<Finding> findings = new ArrayList<>();
    for (JsonNode f : root.path("findings")) {
      findings.add(finding(f));
    }
    return new Report(
        List.copyOf(services),
        strings(status.path("project_reasons")),
        List.copyOf(findings),
        root.path("generated_at").asText(null),
        null);
  }

  private static Finding finding(JsonNode f) {
    String layer = f.path("layer").asText("");
    String expected = text(f.path("expected"));
    String actual = text(f.path("actual"));
    boolean secret = isFingerprint(expected) || isFingerprint(actual);
    if (secret) {
      // Both sides of a secret are fingerprints: say only whether they are the same.
      String verdict = expected != null && expected.equals(actual) ? "same" : "differs";
      expected = expected == null ? "(none)" : verdict;
      actual = actual == null ? "(none)" : verdict;
    }
    String[] values = new String[LAYERS.size()];
    int slash = layer.indexOf('/');
    if (slash > 0) {
      int upper = LAYERS.indexOf(layer.substring(0, slash));
      int lower = LAYERS.indexOf(layer.substring(slash + 1));
      if (upper >= 0) {
        values[upper] = expected == null ? "(none)" : expected;
      }
      if (lower >= 0) {
        values[lower] = actual == null ? "(none)" : actual;
      }
    }
    String service = text(f.path("service"));
    return new Finding(
        service == null ? "(project)" : service,
        layer,
        f.path("key").asText(""),
        f.path("class").asText(""),
        f.path("severity").asText(""),
        java.util.Collections.unmodifiableList(java.util.Arrays.asList(values)),
        secret,
        f.path("message").asText(""));
  }

  private static boolean isFingerprint(String s) {
    return s != null && s.startsWith(FINGERPRINT);
  }

  private static String text(JsonNode n) {
    return n.isMissingNode() || n.isNull() ? null : n.asText();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asText());
    }
    return List.copyOf(out);
  }
}
