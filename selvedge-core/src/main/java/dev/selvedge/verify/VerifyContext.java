package dev.selvedge.verify;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.SourceFile;
import dev.selvedge.contract.yaml.Mark;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a rule looks at: the rendered project, the declared {@code .env.example} and the resolved
 * healthcheck interval floor. Also makes findings located through {@link Project#locate}.
 */
public record VerifyContext(Project project, EnvExample envExample, Duration intervalFloor) {

  public VerifyContext {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(envExample, "envExample");
    intervalFloor = intervalFloor == null ? project.policy().intervalFloor() : intervalFloor;
  }

  /** A finding of {@code rule} at the location of the contract path {@code path}. */
  public Finding finding(Rule rule, String service, String path, String message, String hint) {
    return findingAt(rule, service, path, project.locate(path), message, hint);
  }

  /** A finding of {@code rule} at an explicit location. */
  public Finding findingAt(
      Rule rule, String service, String path, Mark mark, String message, String hint) {
    Mark m = mark == null ? Mark.NONE : mark;
    return new Finding(
        rule.id(),
        rule.defaultSeverity(),
        service,
        relative(m.file()),
        path,
        Math.max(0, m.line()),
        message,
        hint,
        null);
  }

  /**
   * {@code file} relative to the project directory when it lies inside it, with '/' separators.
   * {@code file} is absolute, or a name as marks show it (relative to where the contract was loaded
   * from, which need not be the project directory).
   */
  public String relative(String file) {
    if (file == null || file.isEmpty()) {
      return "";
    }
    for (SourceFile s : project.sources()) {
      if (s.shown().equals(file)) {
        file = s.path(); // relative to the project directory already, or absolute
        break;
      }
    }
    String wd = project.workingDir();
    if (wd == null || wd.isEmpty()) {
      return file;
    }
    try {
      Path f = Path.of(file).normalize();
      Path dir = Path.of(wd).normalize();
      if (f.isAbsolute() && f.startsWith(dir) && !f.equals(dir)) {
        return dir.relativize(f).toString().replace('\\', '/');
      }
    } catch (InvalidPathException e) {
      // Not a path this platform understands: show it as written.
    }
    return file;
  }

  /** Environment keys the contract declares secret, project-wide and per service. */
  public Set<String> declaredSecretKeys() {
    Set<String> keys = new HashSet<>(project.secretKeys());
    for (Service s : project.services().values()) {
      keys.addAll(s.selvedge().secrets());
    }
    return keys;
  }

  /** The service that a contract path such as {@code services.api.ports[0]} belongs to, or null. */
  public String serviceOf(String path) {
    if (path == null || !path.startsWith("services.")) {
      return null;
    }
    String rest = path.substring("services.".length());
    int end = rest.length();
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '.' || c == '[') {
        end = i;
        break;
      }
    }
    String name = rest.substring(0, end);
    return project.services().containsKey(name) ? name : null;
  }
}
