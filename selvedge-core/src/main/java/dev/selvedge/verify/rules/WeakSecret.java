package dev.selvedge.verify.rules;

import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code weak-secret}: the value of a secret environment key or label is shorter than {@value
 * #MIN_LENGTH} characters, or occurs inside a public value of the contract (the project or a
 * service name, an image, a container or host name, a network or volume name, a label or
 * environment value that is not secret). A secret that is also the database name or the image name
 * is guessed by reading the contract. The finding names the key and where it occurs, never the
 * value.
 */
final class WeakSecret extends BaseRule {
  /** Shorter than this falls to a guess or a small search. */
  static final int MIN_LENGTH = 12;

  WeakSecret() {
    super(
        "weak-secret",
        Severity.WARNING,
        "A secret value is short or appears in a public value of the contract.",
        "A secret is only as good as it is hard to guess. A short one falls to a search; one that"
            + " is also a name in the contract (the image, the database, the user) is guessed by"
            + " anyone who reads the contract or the output of docker ps. Use a long random"
            + " value, e.g. openssl rand -base64 24, and keep it out of names.");
  }

  /** Names keys and paths only; see {@link dev.selvedge.verify.Rule#quotesValues()}. */
  @Override
  public boolean quotesValues() {
    return false;
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    Project p = ctx.project();
    Set<String> declared = ctx.declaredSecretKeys();
    Map<String, String> publicValues = Secrets.publicValues(p, declared);
    List<Finding> out = new ArrayList<>();
    for (Service s : p.services().values()) {
      check(ctx, s, "environment", s.environment(), declared, publicValues, out);
      check(ctx, s, "labels", s.labels(), declared, publicValues, out);
    }
    return out;
  }

  private void check(
      VerifyContext ctx,
      Service s,
      String field,
      Map<String, String> entries,
      Set<String> declared,
      Map<String, String> publicValues,
      List<Finding> out) {
    for (Map.Entry<String, String> e : entries.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (value == null || value.isEmpty() || !Secrets.isSecretKey(key, declared)) {
        continue;
      }
      List<String> why = new ArrayList<>();
      if (value.length() < MIN_LENGTH) {
        why.add("is shorter than " + MIN_LENGTH + " characters");
      }
      String needle = value.toLowerCase(Locale.ROOT);
      for (Map.Entry<String, String> pub : publicValues.entrySet()) {
        if (pub.getValue().toLowerCase(Locale.ROOT).contains(needle)) {
          why.add(
              pub.getKey().equals("name")
                  ? "occurs in the project name"
                  : "occurs in the public value " + pub.getKey());
          break;
        }
      }
      if (why.isEmpty()) {
        continue;
      }
      String path = svc(s.name()) + "." + field + "." + key;
      out.add(
          ctx.finding(
              this,
              s.name(),
              path,
              "the value of " + key + " " + String.join(" and ", why),
              "Use a long random value (openssl rand -base64 24) that is no name in the contract;"
                  + " rotate it where it is used."));
    }
  }
}
