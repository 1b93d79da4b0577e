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
 * level, one result per finding; waived findings carry an external suppression with the reason.
 *
 * <p>A location is a reference relative to the source root, under {@code uriBaseId} {@value
 * #BASE_ID}, which {@code originalUriBaseIds} declares as that directory's {@code file:} URI
 * (ending in '/', so RFC 3986 resolution keeps its last segment). The source root is what a code
 * scanning service resolves relative paths against: the repository's top. GitHub ignores {@code
 * uriBaseId} and reads a relative {@code uri} from the repository root, so a base of the project
 * directory would misplace every finding of a project kept in a subdirectory. A file outside the
 * source root gets an absolute {@code file:} URI and no base.
 */
public final class SarifRenderer {
  public static final String SCHEMA =
      "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
  public static final String BASE_ID = "%SRCROOT%";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SarifRenderer() {}

  /**
   * The SARIF log as pretty-printed JSON, ending in a newline.
   *
   * @param sourceRoot absolute directory relative locations start from, or null for none (every
   *     location then an absolute URI)
   */
  public static String render(VerifyReport report, Tool tool, Path sourceRoot) {
    try {
      return MAPPER.writeValueAsString(toTree(report, tool, sourceRoot)) + "\n";
    } catch (JsonProcessingException e) {
      throw new SelvedgeException("could not write SARIF: " + e.getMessage(), e);
    }
  }

  /** The SARIF log as a JSON tree; {@code sourceRoot} as for {@link #render}. */
  public static ObjectNode toTree(VerifyReport report, Tool tool, Path sourceRoot) {
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

    Path root = sourceRoot == null ? null : sourceRoot.toAbsolutePath().normalize();
    if (root != null) {
      run.putObject("originalUriBaseIds").putObject(BASE_ID).put("uri", directoryUri(root));
    }
    Path projectDir = report.workingDir().isEmpty() ? null : Path.of(report.workingDir());

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
        artifact(physical.putObject("artifactLocation"), f.file(), projectDir, root);
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

  /** {@code file} is relative to the project directory (as in evidence) or absolute. */
  private static void artifact(ObjectNode location, String file, Path projectDir, Path root) {
    Path p;
    try {
      p = projectDir == null ? Path.of(file) : projectDir.resolve(file);
    } catch (InvalidPathException e) {
      location.put("uri", encode(file));
      return;
    }
    p = p.normalize();
    if (root != null && p.isAbsolute() && p.startsWith(root) && !p.equals(root)) {
      location.put("uri", encode(root.relativize(p).toString().replace('\\', '/')));
      location.put("uriBaseId", BASE_ID);
    } else if (p.isAbsolute()) {
      location.put("uri", p.toUri().toASCIIString());
    } else {
      location.put("uri", encode(file.replace('\\', '/')));
    }
  }

  /** A relative reference for a relative path: reserved characters escaped. */
  private static String encode(String relative) {
    try {
      String ref = new URI(null, null, relative, null).toASCIIString();
      // A colon in the first segment would make it read as a scheme (RFC 3986, section 4.2).
      int colon = ref.indexOf(':');
      return colon >= 0 && colon < slashOrEnd(ref) ? "./" + ref : ref;
    } catch (URISyntaxException e) {
      return relative;
    }
  }

  private static int slashOrEnd(String s) {
    int slash = s.indexOf('/');
    return slash < 0 ? s.length() : slash;
  }

  private static String directoryUri(Path dir) {
    String uri = dir.toUri().toASCIIString();
    return uri.endsWith("/") ? uri : uri + "/";
  }
}
