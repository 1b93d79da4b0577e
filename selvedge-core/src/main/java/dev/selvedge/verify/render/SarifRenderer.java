package dev.selvedge.verify.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.evidence.Tool;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.Rule;
import dev.selvedge.verify.VerifyReport;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A verify report as SARIF 2.1.0 for code-scanning UIs: one run, every rule with its effective
 * level, one result per finding. Locations are relative to the project directory ({@code uriBaseId}
 * {@value #BASE_ID}); waived findings carry an external suppression with the reason.
 */
public final class SarifRenderer {
  public static final String SCHEMA =
      "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
  public static final String BASE_ID = "PROJECTROOT";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SarifRenderer() {}

  /** The SARIF log as pretty-printed JSON, ending in a newline. */
  public static String render(VerifyReport report, Tool tool) {
    try {
      return MAPPER.writeValueAsString(toTree(report, tool)) + "\n";
    } catch (JsonProcessingException e) {
      throw new SelvedgeException("could not write SARIF: " + e.getMessage(), e);
    }
  }

  /** The SARIF log as a JSON tree. */
  public static ObjectNode toTree(VerifyReport report, Tool tool) {
    ObjectNode log = MAPPER.createObjectNode();
    log.put("$schema", SCHEMA);
    log.put("version", "2.1.0");
    ObjectNode run = log.putArray("runs").addObject();

    ObjectNode driver = run.putObject("tool").putObject("driver");
    driver.put("name", tool.name());
    driver.put("version", tool.version());
    ArrayNode rules = driver.putArray("rules");
    Map<String, Integer> index = new HashMap<>();
    List<Rule> all = report.rules();
    for (int i = 0; i < all.size(); i++) {
      Rule r = all.get(i);
      index.put(r.id(), i);
      Severity effective = report.severities().getOrDefault(r.id(), r.defaultSeverity());
      ObjectNode rule = rules.addObject();
      rule.put("id", r.id());
      rule.putObject("shortDescription").put("text", r.description());
      rule.putObject("fullDescription").put("text", r.description());
      rule.putObject("help").put("text", r.help());
      ObjectNode config = rule.putObject("defaultConfiguration");
      config.put("enabled", effective != Severity.OFF);
      config.put("level", level(effective));
    }

    String base = baseUri(report.workingDir());
    if (base != null) {
      run.putObject("originalUriBaseIds").putObject(BASE_ID).put("uri", base);
    }

    ArrayNode results = run.putArray("results");
    for (Finding f : report.findings()) {
      ObjectNode result = results.addObject();
      result.put("ruleId", f.rule());
      Integer i = index.get(f.rule());
      if (i != null) {
        result.put("ruleIndex", i);
      }
      result.put("level", level(f.severity()));
      result.putObject("message").put("text", f.message());
      if (!f.file().isEmpty()) {
        ObjectNode physical =
            result.putArray("locations").addObject().putObject("physicalLocation");
        artifact(physical.putObject("artifactLocation"), f.file(), base != null);
        if (f.line() > 0) {
          physical.putObject("region").put("startLine", f.line());
        }
      }
      if (f.waived()) {
        ObjectNode suppression = result.putArray("suppressions").addObject();
        suppression.put("kind", "external");
        suppression.put("status", "accepted");
        suppression.put("justification", f.waiverReason());
      }
      ObjectNode props = result.putObject("properties");
      if (f.service() != null) {
        props.put("service", f.service());
      }
      if (!f.path().isEmpty()) {
        props.put("path", f.path());
      }
      if (!f.hint().isEmpty()) {
        props.put("hint", f.hint());
      }
    }
    return log;
  }

  static String level(Severity s) {
    return switch (s) {
      case ERROR -> "error";
      case WARNING -> "warning";
      case NOTE -> "note";
      case OFF -> "none";
    };
  }

  private static void artifact(ObjectNode location, String file, boolean haveBase) {
    try {
      Path p = Path.of(file);
      if (p.isAbsolute()) {
        location.put("uri", p.toUri().toString());
        return;
      }
    } catch (InvalidPathException e) {
      // Fall through: write it as a relative reference.
    }
    location.put("uri", encode(file.replace('\\', '/')));
    if (haveBase) {
      location.put("uriBaseId", BASE_ID);
    }
  }

  private static String encode(String relative) {
    try {
      return new URI(null, null, relative, null).toASCIIString();
    } catch (URISyntaxException e) {
      return relative;
    }
  }

  private static String baseUri(String workingDir) {
    if (workingDir == null || workingDir.isEmpty()) {
      return null;
    }
    try {
      String uri = Path.of(workingDir).toAbsolutePath().normalize().toUri().toString();
      return uri.endsWith("/") ? uri : uri + "/";
    } catch (InvalidPathException e) {
      return null;
    }
  }
}
