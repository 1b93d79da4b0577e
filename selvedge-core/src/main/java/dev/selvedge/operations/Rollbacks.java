package dev.selvedge.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.json.TreeJson;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.DeploymentStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Going back to an earlier deployment: which one, and the project it ran, rebuilt from its
 * snapshot. Snapshots hold no secrets, so each masked secret is filled in from the current
 * contract's value of the same key (said when its fingerprint changed since); a secret that cannot
 * be filled in stops the rollback before anything is touched.
 */
public final class Rollbacks {

  private Rollbacks() {}

  /**
   * The deployment to go back to. With {@code to}: that one, which must be of this project and host
   * and healthy. Otherwise the newest healthy deployment in the store's history older than the one
   * that runs now, which is the newer of {@code running} — the newest deployment any of the
   * project's running containers was created by, so a partly applied deployment counts — and the
   * newest healthy deployment, which runs now even when it changed no container (it only removed
   * orphans, or created a network) and so left no label. When nothing of Selvedge's runs: the
   * newest healthy one.
   */
  public static Deployment target(
      DeploymentStore store, String host, String project, Long to, OptionalLong running) {
    return target(store, host, host, project, to, running);
  }

  /**
   * {@link #target(DeploymentStore, String, String, Long, OptionalLong)} of the engine whose
   * deployments are kept under {@code host} (its {@link HostIdentity}), named {@code where} (its
   * endpoint) in messages.
   */
  public static Deployment target(
      DeploymentStore store,
      String host,
      String where,
      String project,
      Long to,
      OptionalLong running) {
    if (to != null) {
      Deployment d =
          store.find(to).orElseThrow(() -> new OperationException("there is no deployment " + to));
      if (!d.project().equals(project) || !d.host().equals(host)) {
        throw new OperationException(
            "deployment "
                + to
                + " is of project '"
                + d.project()
                + "' on "
                + d.host()
                + ", not of '"
                + project
                + "' on "
                + (where.equals(host) ? where : where + " (" + host + ")"));
      }
      if (d.outcome() != Deployment.Outcome.HEALTHY) {
        throw new OperationException(
            "deployment "
                + to
                + " did not become healthy (it ended "
                + d.outcome().id()
                + "); only healthy deployments are rollback targets. See selvedge history");
      }
      return d;
    }
    List<Deployment> history = store.history(host, project, 500);
    List<Deployment> healthy =
        history.stream().filter(d -> d.outcome() == Deployment.Outcome.HEALTHY).toList();
    OptionalLong current = current(history, running);
    long before = current.isPresent() ? current.getAsLong() : Long.MAX_VALUE;
    OptionalLong now = current;
    return healthy.stream()
        .filter(d -> d.id() < before)
        .findFirst()
        .orElseThrow(
            () ->
                new OperationException(
                    "project '"
                        + project
                        + "' on "
                        + where
                        + " has no healthy deployment"
                        + (now.isPresent()
                            ? " older than deployment " + now.getAsLong() + ", which runs now"
                            : "")
                        + "; see selvedge history"));
  }

  /**
   * The deployment that runs now, by the rule of {@link #target}: the newer of {@code running} and
   * the newest healthy deployment of {@code history} (newest first); empty when nothing of
   * Selvedge's runs.
   */
  public static OptionalLong current(List<Deployment> history, OptionalLong running) {
    if (running.isEmpty()) {
      return running;
    }
    return history.stream()
        .filter(d -> d.outcome() == Deployment.Outcome.HEALTHY)
        .findFirst()
        .filter(d -> d.id() > running.getAsLong())
        .map(d -> OptionalLong.of(d.id()))
        .orElse(running);
  }

  /**
   * Whether {@code d} can be named as a rollback's target ({@code to}) when {@code current} runs:
   * it is healthy and is not what runs.
   */
  public static boolean isTarget(Deployment d, OptionalLong current) {
    return d.outcome() == Deployment.Outcome.HEALTHY
        && (current.isEmpty() || d.id() != current.getAsLong());
  }

  /**
   * The newest deployment the project's running containers were created by, read from their {@code
   * dev.selvedge.deployment} labels; empty when none carries one.
   */
  public static OptionalLong running(List<dev.selvedge.port.ContainerSummary> containers) {
    return containers.stream()
        // What runs: a stopped container (kept for its logs after a failed gate) or a parked one
        // is not the deployment in service.
        .filter(c -> "running".equals(c.state()))
        .filter(c -> !Planner.name(c).endsWith(Applier.OLD_SUFFIX))
        .map(c -> c.labels().get(ComposeLabels.DEPLOYMENT))
        .filter(v -> v != null && v.matches("\\d{1,18}"))
        .mapToLong(Long::parseLong)
        .max();
  }

  /** The project of {@code d}, with its secrets taken from {@code current}. */
  public record Restored(Project project, List<String> warnings) {
    public Restored {
      warnings = List.copyOf(warnings);
    }
  }

  public static Restored restore(Deployment d, Project current, Fingerprints fingerprints) {
    JsonNode snapshot;
    try {
      snapshot = TreeJson.readFirst(d.renderedConfig());
    } catch (IOException e) {
      snapshot = null;
    }
    if (!(snapshot instanceof ObjectNode root)) {
      throw new OperationException("deployment " + d.id() + " has an unreadable config snapshot");
    }
    List<String> warnings = new ArrayList<>();
    List<String> filled = new ArrayList<>();
    JsonNode services = root.path("services");
    for (Iterator<Map.Entry<String, JsonNode>> it = services.properties().iterator();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode env = e.getValue().path("environment");
      if (!(env instanceof ObjectNode envNode)) {
        continue;
      }
      Service now = current.services().get(e.getKey());
      for (String key : fieldNames(envNode)) {
        if (!ComposeConfig.REDACTED.equals(envNode.path(key).asText(null))) {
          continue;
        }
        String value = now == null ? null : now.environment().get(key);
        if (value == null) {
          throw new OperationException(
              "deployment "
                  + d.id()
                  + ": service '"
                  + e.getKey()
                  + "' had secret "
                  + key
                  + ", which the current contract does not set; Selvedge never stores secret"
                  + " values, so set "
                  + key
                  + " for '"
                  + e.getKey()
                  + "' (e.g. in .env) and roll back again");
        }
        String was = d.envFingerprints().getOrDefault(e.getKey(), Map.of()).get(key);
        if (was != null && !was.equals(fingerprints.of(value))) {
          warnings.add(
              "secret "
                  + key
                  + " of service '"
                  + e.getKey()
                  + "' changed since deployment "
                  + d.id()
                  + "; its current value is used");
        }
        envNode.set(key, TextNode.valueOf(value));
        filled.add(value);
      }
    }
    String masked = findMasked(root, "");
    if (masked != null) {
      throw new OperationException(
          "deployment "
              + d.id()
              + " held a secret inside "
              + masked
              + ", which its snapshot masks; Selvedge cannot rebuild it. Check out that revision"
              + " of the contract and apply it instead");
    }
    // The snapshot is rendered, so every value is literal: keep the loader from interpolating it.
    escapeDollars(root);
    Path dir = Path.of(current.workingDir() == null ? "." : current.workingDir());
    Path file = dir.resolve(".selvedge-deployment-" + d.id() + ".json");
    byte[] bytes = root.toString().getBytes(StandardCharsets.UTF_8);
    SourceFiles memory =
        new SourceFiles() {
          @Override
          public Optional<byte[]> read(Path f) {
            return f.equals(file) ? Optional.of(bytes) : Optional.empty();
          }

          @Override
          public boolean isFile(Path f) {
            return f.equals(file);
          }
        };
    try {
      Project p =
          ComposeLoader.load(
              new LoadOptions(List.of(file), dir, d.project(), List.of(), null, Map.of(), dir)
                  .withSources(memory));
      // The snapshot does not carry the contract's x-selvedge secrets list; the current one does.
      return new Restored(
          p.withSecrets(
              current.secretKeys(),
              current
                  .secretValues()
                  .and(
                      SecretValues.of(filled)
                          .withoutPublic(
                              Secrets.publicValues(current, current.secretKeys()).values()))),
          warnings);
    } catch (ContractException e) {
      throw new OperationException(
          "deployment " + d.id() + "'s config snapshot does not load: " + e.getMessage());
    }
  }

  private static List<String> fieldNames(ObjectNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static void escapeDollars(JsonNode node) {
    if (node instanceof ObjectNode o) {
      for (String key : fieldNames(o)) {
        JsonNode v = o.get(key);
        if (v.isTextual()) {
          o.set(key, TextNode.valueOf(v.textValue().replace("$", "$$")));
        } else {
          escapeDollars(v);
        }
      }
    } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        if (v.isTextual()) {
          a.set(i, TextNode.valueOf(v.textValue().replace("$", "$$")));
        } else {
          escapeDollars(v);
        }
      }
    }
  }

  private static String findMasked(JsonNode node, String path) {
    if (node.isTextual()) {
      return node.textValue().contains(ComposeConfig.REDACTED) ? path : null;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String hit =
            findMasked(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
        if (hit != null) {
          return hit;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String hit = findMasked(node.get(i), path + "[" + i + "]");
        if (hit != null) {
          return hit;
        }
      }
    }
    return null;
  }
}
