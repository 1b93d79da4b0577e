package dev.selvedge.verify.rules;

import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.contract.yaml.Mark;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code secret-committed}: a secret-looking key in {@code .env.example} (see {@link Secrets}) with
 * a value that is not an obvious placeholder. The finding names the key and line; the value never
 * leaves this class.
 */
final class SecretCommitted extends BaseRule {
  SecretCommitted() {
    super(
        "secret-committed",
        Severity.ERROR,
        "A secret-looking key in .env.example has a value.",
        ".env.example is committed, so any value in it is public to everyone with the repository"
            + " and stays in its history. Leave secret keys empty (API_TOKEN=) or use an obvious"
            + " placeholder (changeme, <token>, xxx); if the value was real, rotate it.");
  }

  @Override
  public List<Finding> check(VerifyContext ctx) {
    EnvExample env = ctx.envExample();
    Set<String> declared = ctx.declaredSecretKeys();
    List<Finding> out = new ArrayList<>();
    for (Map.Entry<String, EnvExample.Entry> e : env.entries().entrySet()) {
      String key = e.getKey();
      if (!Secrets.isSecretKey(key, declared) || Secrets.isPlaceholder(e.getValue().value())) {
        continue;
      }
      String file = ctx.relative(env.file());
      out.add(
          ctx.findingAt(
              this,
              null,
              key,
              new Mark(env.file(), e.getValue().line(), 1),
              key + " looks like a secret and has a value committed in " + file,
              "Empty it (" + key + "=) or use a placeholder such as changeme; rotate it if real."));
    }
    return out;
  }
}
