package dev.selvedge.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.json.TreeJson;
import dev.selvedge.verify.EnvExample;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Repo truth against host materialization: the two rendered configs key by key, and the host's
 * {@code .env} against {@code .env.example}.
 *
 * <p>Keys are flattened one level below each service field ({@code environment.DB_URL}, {@code
 * healthcheck.interval}, {@code networks.backend}); {@code ports} are keyed by {@code
 * target/protocol} and {@code volumes} by target, so a reordered list is no difference. Paths
 * inside each project's own directory are compared relative to it, so a checkout in one place and a
 * deploy directory in another agree.
 */
final class ContractDiff {
  private static final DriftLayer LAYER = DriftLayer.REPO_HOST;
  private static final String NO_VALUE = "(no value)";

  private final Observations obs;

  ContractDiff(Observations obs) {
    this.obs = obs;
  }

  void compare(Project repo, Project host) {
    ComposeConfig raw = ComposeConfig.unredacted();
    ObjectNode r = raw.render(repo);
    ObjectNode h = raw.render(host);

    String rName = repo.name();
    String hName = host.name();
    if (!rName.equals(hName)) {
      obs.finding(
          null,
          LAYER,
          "name",
          DriftClass.CONTRADICTED,
          rName,
          hName,
          "the project is named '" + rName + "' in the repo but '" + hName + "' on the host");
    }

    JsonNode rServices = r.path("services");
    JsonNode hServices = h.path("services");
    Set<String> names = new LinkedHashSet<>();
    rServices.fieldNames().forEachRemaining(names::add);
    hServices.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode rs = rServices.get(name);
      JsonNode hs = hServices.get(name);
      if (hs == null) {
        obs.finding(
            name,
            LAYER,
            "service",
            DriftClass.MISSING,
            name,
            null,
            "service '" + name + "' is in the repo contract but not in the host files");
      } else if (rs == null) {
        obs.finding(
            name,
            LAYER,
            "service",
            DriftClass.EXTRA,
            null,
            name,
            "service '" + name + "' is in the host files but not in the repo contract");
      } else {
        diff(
            name,
            flattenService(rs, repo.workingDir()),
            flattenService(hs, host.workingDir()),
            true);
      }
    }

    for (String section : new String[] {"networks", "volumes", "secrets", "configs"}) {
      diff(
          null,
          flattenSection(section, r.path(section), repo.workingDir()),
          flattenSection(section, h.path(section), host.workingDir()),
          false);
    }
  }

  /** {@code .env} on the host against the keys {@code .env.example} declares. */
  void compareEnv(EnvExample example, Map<String, String> hostEnv) {
    if (!example.present()) {
      return;
    }
    for (String key : example.entries().keySet()) {
      if (!hostEnv.containsKey(key)) {
        obs.finding(
            null,
            LAYER,
            ".env." + key,
            DriftClass.MISSING,
            "(declared)",
            null,
            key + " is declared in .env.example but missing from the host's .env");
      }
    }
    for (String key : hostEnv.keySet()) {
      if (!example.declares(key) && !key.startsWith("COMPOSE_") && !key.startsWith("DOCKER_")) {
        // The value is never shown: an undeclared key is not known to be harmless.
        obs.finding(
            null,
            LAYER,
            ".env." + key,
            DriftClass.EXTRA,
            null,
            "(set)",
            key + " is set in the host's .env but not declared in .env.example");
      }
    }
  }

  private void diff(
      String service, Map<String, String> repo, Map<String, String> host, boolean inService) {
    Set<String> keys = new LinkedHashSet<>(repo.keySet());
    keys.addAll(host.keySet());
    String where = inService ? " of service '" + service + "'" : "";
    for (String key : keys) {
      boolean inRepo = repo.containsKey(key);
      boolean inHost = host.containsKey(key);
      if (inRepo && inHost && repo.get(key).equals(host.get(key))) {
        continue;
      }
      String expected = inRepo ? show(key, repo.get(key), inService) : null;
      String actual = inHost ? show(key, host.get(key), inService) : null;
      if (!inHost) {
        obs.finding(
            service,
            LAYER,
            key,
            DriftClass.MISSING,
            expected,
            null,
            key + where + " is in the repo contract but not in the host files");
      } else if (!inRepo) {
        obs.finding(
            service,
            LAYER,
            key,
            DriftClass.EXTRA,
            null,
            actual,
            key + where + " is in the host files but not in the repo contract");
      } else {
        boolean image = key.equals("image");
        obs.finding(
            service,
            LAYER,
            key,
            image ? DriftClass.STALE : DriftClass.CONTRADICTED,
            expected,
            actual,
            key
                + where
                + (image
                    ? " on the host is another image than the repo contract names"
                    : " differs between the repo contract and the host files"));
      }
    }
  }

  /** The value to show: a fingerprint for a secret environment value. */
  private String show(String key, String value, boolean inService) {
    if (inService && key.startsWith("environment.") && !value.equals(NO_VALUE)) {
      String env = key.substring("environment.".length());
      obs.secrecy.observe(env, value);
      return obs.secrecy.show(env, value);
    }
    return value;
  }

  private static Map<String, String> flattenService(JsonNode service, String workingDir) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : service.properties()) {
      String name = field.getKey();
      JsonNode value = field.getValue();
      switch (name) {
        case "ports" -> keyed(out, "ports", value, workingDir, true);
        case "volumes" -> keyed(out, "volumes", value, workingDir, false);
        default -> {
          if (value.isObject()) {
            for (Map.Entry<String, JsonNode> e : value.properties()) {
              out.put(name + "." + e.getKey(), text(e.getValue(), workingDir));
            }
            if (value.isEmpty()) {
              out.put(name, "{}");
            }
          } else {
            out.put(name, text(value, workingDir));
          }
        }
      }
    }
    return out;
  }

  private static void keyed(
      Map<String, String> out, String field, JsonNode list, String workingDir, boolean ports) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (JsonNode item : list) {
      String id =
          ports
              ? item.path("target").asText() + "/" + item.path("protocol").asText("tcp")
              : item.path("target").asText();
      int n = seen.merge(id, 1, Integer::sum);
      String key = field + "[" + id + (n > 1 ? "#" + n : "") + "]";
      out.put(key, text(item, workingDir));
    }
  }

  private static Map<String, String> flattenSection(
      String section, JsonNode node, String workingDir) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      out.put(section + "." + e.getKey(), text(e.getValue(), workingDir));
    }
    return out;
  }

  private static String text(JsonNode value, String workingDir) {
    String s;
    if (value == null || value.isNull()) {
      return NO_VALUE;
    } else if (value.isValueNode()) {
      s = value.asText();
    } else {
      // Not JsonNode.toString(): that builds an ObjectMapper, some 300 classes on a cold start.
      s = new String(TreeJson.compact(value), StandardCharsets.UTF_8);
    }
    return relative(s, workingDir);
  }

  /** Paths under the project's directory, written relative to it. */
  private static String relative(String s, String workingDir) {
    if (workingDir == null || workingDir.isEmpty() || workingDir.equals("/")) {
      return s;
    }
    String dir =
        workingDir.endsWith("/") ? workingDir.substring(0, workingDir.length() - 1) : workingDir;
    if (!s.contains(dir)) {
      return s;
    }
    return s.replace(dir + "/", "./").replace(dir, ".");
  }
}
