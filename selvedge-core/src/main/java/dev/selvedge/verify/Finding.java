package dev.selvedge.verify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.model.Policy;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.evidence.EvidenceFinding;

/**
 * One policy finding: which rule, how severe, where ({@code file} relative to the project directory
 * when it lies inside it, 1-based {@code line}, 0 when unknown; {@code path} the dotted contract
 * path such as {@code services.api.image}, or the key of {@code .env.example}), what is wrong and
 * how to fix it. {@code waivedBy} is the policy waiver that accepts it, or null.
 *
 * <p>Messages and hints name keys, files and lines; they never contain a secret value.
 */
public record Finding(
    String rule,
    Severity severity,
    String service,
    String file,
    String path,
    int line,
    String message,
    String hint,
    Policy.Waiver waivedBy)
    implements EvidenceFinding {

  public Finding {
    if (rule == null || rule.isBlank()) {
      throw new IllegalArgumentException("a finding needs a rule id");
    }
    if (severity == null || severity == Severity.OFF) {
      throw new IllegalArgumentException("a finding of '" + rule + "' needs a severity above off");
    }
    if (message == null || message.isBlank()) {
      throw new IllegalArgumentException("a finding of '" + rule + "' needs a message");
    }
    if (line < 0) {
      throw new IllegalArgumentException("line must be 0 (unknown) or positive, not " + line);
    }
    file = file == null ? "" : file;
    path = path == null ? "" : path;
    hint = hint == null ? "" : hint;
  }

  public boolean waived() {
    return waivedBy != null;
  }

  /** Whether this finding makes a run fail at threshold {@code failOn}. */
  public boolean fails(Severity failOn) {
    return !waived() && severity.atLeast(failOn);
  }

  /** {@code file:line}, {@code file}, or empty when the location is unknown. */
  public String location() {
    if (file.isEmpty()) {
      return "";
    }
    return line > 0 ? file + ":" + line : file;
  }

  public Finding withSeverity(Severity s) {
    return new Finding(rule, s, service, file, path, line, message, hint, waivedBy);
  }

  /**
   * This finding with its message and hint scrubbed as any text about its path is: a rule may quote
   * a value a secret was substituted into (an invalid image reference).
   */
  public Finding scrubbed(SecretValues secrets) {
    String m = secrets.scrub(path, message);
    String h = secrets.scrub(path, hint);
    return m.equals(message) && h.equals(hint)
        ? this
        : new Finding(rule, severity, service, file, path, line, m, h, waivedBy);
  }

  public Finding withWaiver(Policy.Waiver w) {
    return new Finding(rule, severity, service, file, path, line, message, hint, w);
  }

  @Override
  public String waiverReason() {
    return waivedBy == null ? null : waivedBy.reason();
  }

  @Override
  public void writeJson(ObjectNode node) {
    node.put("rule", rule);
    node.put("severity", severity.id());
    node.put("service", service);
    node.put("file", file);
    node.put("path", path);
    node.put("line", line);
    node.put("message", message);
    node.put("hint", hint);
    if (waivedBy == null) {
      node.putNull("waived");
    } else {
      node.putObject("waived").put("reason", waivedBy.reason());
    }
  }
}
