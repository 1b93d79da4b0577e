package dev.selvedge.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.json.TreeJson;
import dev.selvedge.verify.EnvExample;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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

  /**
   * Pairs of projects, by identity, whose renders were compared and found alike. The projects are
   * immutable, and a fleet's checks get the same instances from {@link ProjectCache} node after
   * node: comparing them again can only find nothing again. Only alike pairs are kept (findings
   * must be reported each time); bounded, least recently used dropped.
   */
  private static final Map<Pair, Boolean> ALIKE =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Pair, Boolean> eldest) {
              return size() > 64;
            }
          });

  /** Two projects by identity (a record's equals would compare them deeply). */
  private record Pair(Project repo, Project host) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Pair p && p.repo == repo && p.host == host;
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(repo) + System.identityHashCode(host);
    }
  }

  void compare(Project repo, Project host) {
    Pair pair = new Pair(repo, host);
    if (ALIKE.containsKey(pair)) {
      return;
    }
    int before = obs.findings.size();
    compareRenders(repo, host);
    if (obs.findings.size() == before) {
      ALIKE.put(pair, Boolean.TRUE);
    }
  }

  private void compareRenders(Project repo, Project host) {
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

  /**
   * {@code .env} on the host against the keys {@code .env.example} declares, and against the values
   * it declares for the keys that are pinned: those used in an image reference, and those the repo
   * lists in {@code x-selvedge.pinned-env}. Example values are otherwise never compared (they are
   * examples); but a host value overriding a pinned one is invisible in the two renders, which both
   * interpolate the host's values: a forgotten hotfix tag would look in sync.
   *
   * <p>A declared key the host's {@code .env} lacks is {@code missing}, unless the contract uses it
   * and every use, in the repo's files and the host's, gives a default ({@code ${KEY:-d}}, {@code
   * ${KEY-d}}): Compose then interpolates the default, which is what the contract says, so it is
   * only {@code defaulted} (a note, not drift). A use without default ({@code ${KEY}}, {@code
   * ${KEY:?}}) or a key no file uses keeps it {@code missing}.
   */
  void compareEnv(EnvExample example, Map<String, String> hostEnv, Project repo, Project host) {
    if (!example.present()) {
      return;
    }
    for (String key : example.entries().keySet()) {
      if (hostEnv.containsKey(key)) {
        continue;
      }
      if (defaultedEverywhere(key, repo, host)) {
        // Compose interpolates the contract's default: the deployment is what the contract says.
        obs.finding(
            null,
            LAYER,
            ".env." + key,
            DriftClass.DEFAULTED,
            "(declared)",
            null,
            key + " is not set in the host's .env: the contract's default applies");
      } else {
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
    Map<String, Set<String>> inImages = imageVariables(repo);
    Set<String> pinned = new LinkedHashSet<>(inImages.keySet());
    pinned.addAll(repo.pinnedEnv());
    for (String key : pinned) {
      EnvExample.Entry declared = example.entries().get(key);
      String actual = hostEnv.get(key);
      if (declared == null || declared.value().isEmpty()) {
        // An empty example value declares the key, not a value. Listed on purpose, the key is a
        // guard that cannot work: said, so a typo does not turn it off silently.
        if (repo.pinnedEnv().contains(key)) {
          obs.unread(
              null,
              LAYER,
              ".env." + key,
              "x-selvedge.pinned-env names "
                  + key
                  + ", which .env.example does not declare with a value; not compared");
        }
        continue;
      }
      if (actual == null) {
        continue; // missing or defaulted, reported above
      }
      if (!actual.equals(declared.value())) {
        Set<String> services = inImages.get(key);
        obs.finding(
            null,
            LAYER,
            ".env." + key,
            // The image of another version: stale, as a repo/host image is. Any other key:
            // someone has to decide which value is right.
            services != null ? DriftClass.STALE : DriftClass.CONTRADICTED,
            obs.secrecy.show(key, declared.value()),
            obs.secrecy.show(key, actual),
            "the host's .env overrides the value .env.example declares for "
                + key
                + (services != null
                    ? ", which picks the image of service"
                        + (services.size() > 1 ? "s '" : " '")
                        + String.join("', '", services)
                        + "'"
                    : " (x-selvedge.pinned-env)"));
      }
    }
  }

  /**
   * Whether {@code key} is used in {@code repo} or {@code host} and every use gives a default. The
   * process environment is not asked: the host's {@code .env} is what a deployment reads.
   */
  static boolean defaultedEverywhere(String key, Project repo, Project host) {
    boolean used = false;
    for (Project p : host == null || host == repo ? List.of(repo) : List.of(repo, host)) {
      for (VariableUse use : p.variables()) {
        if (use.name().equals(key)) {
          if (!use.hasDefault()) {
            return false;
          }
          used = true;
        }
      }
    }
    return used;
  }

  /** Variables used in an image reference, each with the services whose image they pick. */
  private static Map<String, Set<String>> imageVariables(Project repo) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (VariableUse use : repo.variables()) {
      String path = use.path();
      if (path.startsWith("services.") && path.endsWith(".image")) {
        String service = path.substring("services.".length(), path.length() - ".image".length());
        out.computeIfAbsent(use.name(), k -> new LinkedHashSet<>()).add(service);
      }
    }
    return out;
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
