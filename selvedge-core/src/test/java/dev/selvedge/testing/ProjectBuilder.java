package dev.selvedge.testing;

import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.model.Locations;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.Policy;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.contract.model.SourceFile;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.contract.yaml.Mark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Test-data builder for a rendered {@link Project}. It invents source locations the way the loader
 * records them: every key the builder sets gets its own line in {@link #COMPOSE}, in the order
 * written, so tests can check that findings point at the right line via {@code locate}.
 */
public final class ProjectBuilder {
  public static final String DIR = "/srv/shop";
  public static final String COMPOSE = DIR + "/compose.yaml";
  public static final String ENV_EXAMPLE = DIR + "/.env.example";

  private final String name;
  private final List<ServiceBuilder> services = new ArrayList<>();
  private final Set<String> disabled = new LinkedHashSet<>();
  private final Map<String, Severity> rules = new LinkedHashMap<>();
  private final List<Policy.Waiver> waivers = new ArrayList<>();
  private final List<String[]> variables = new ArrayList<>();
  private final Set<String> secretKeys = new LinkedHashSet<>();
  private final Set<String> pinnedEnv = new LinkedHashSet<>();
  private final Map<String, NetworkDef> networks = new LinkedHashMap<>();
  private final Map<String, VolumeDef> volumeDefs = new LinkedHashMap<>();
  private String dir = DIR;
  private Duration floor;
  private Severity failOn;

  private ProjectBuilder(String name) {
    this.name = name;
  }

  public static ProjectBuilder project(String name) {
    return new ProjectBuilder(name);
  }

  public ProjectBuilder service(ServiceBuilder service) {
    services.add(service);
    return this;
  }

  public ProjectBuilder disabledService(String service) {
    disabled.add(service);
    return this;
  }

  public ProjectBuilder rule(String id, Severity severity) {
    rules.put(id, severity);
    return this;
  }

  public ProjectBuilder intervalFloor(Duration floor) {
    this.floor = floor;
    return this;
  }

  public ProjectBuilder failOn(Severity failOn) {
    this.failOn = failOn;
    return this;
  }

  public ProjectBuilder waiver(String rule, String service, String reason) {
    waivers.add(new Policy.Waiver(rule, service, reason));
    return this;
  }

  /** A {@code ${name}} use without default at {@code path}. */
  public ProjectBuilder variable(String name, String path) {
    variables.add(new String[] {name, path, "no-default"});
    return this;
  }

  /** A {@code ${name:-x}} use at {@code path}. */
  public ProjectBuilder variableWithDefault(String name, String path) {
    variables.add(new String[] {name, path, "default"});
    return this;
  }

  public ProjectBuilder secretKey(String key) {
    secretKeys.add(key);
    return this;
  }

  /** A key of {@code x-selvedge.pinned-env}. */
  public ProjectBuilder pinnedEnv(String key) {
    pinnedEnv.add(key);
    return this;
  }

  /** A top-level network {@code key}, named {@code <project>_<key>} on the engine. */
  public ProjectBuilder network(String key) {
    networks.put(
        key, new NetworkDef(name + "_" + key, null, null, false, false, false, false, null, null));
    return this;
  }

  /** A top-level named volume {@code key}, named {@code <project>_<key>} on the engine. */
  public ProjectBuilder volumeDef(String key) {
    volumeDefs.put(key, new VolumeDef(name + "_" + key, null, null, false, null));
    return this;
  }

  /** The project directory (default {@link #DIR}). */
  public ProjectBuilder dir(String directory) {
    this.dir = directory;
    return this;
  }

  public Project build() {
    Map<String, Mark> locations = new LinkedHashMap<>();
    int[] line = {1};
    locations.put("name", mark(line));
    locations.put("services", mark(line));
    Map<String, Service> built = new LinkedHashMap<>();
    for (ServiceBuilder sb : services) {
      Service s = sb.toService();
      built.put(s.name(), s);
      String p = "services." + s.name();
      locations.put(p, mark(line));
      if (s.image() != null) {
        locations.put(p + ".image", mark(line));
      }
      if (s.healthcheck() != null) {
        locations.put(p + ".healthcheck", mark(line));
        if (s.healthcheck().interval() != null) {
          locations.put(p + ".healthcheck.interval", mark(line));
        }
      }
      if (s.logging() != null) {
        locations.put(p + ".logging", mark(line));
      }
      if (s.restart() != null) {
        locations.put(p + ".restart", mark(line));
      }
      if (s.networkMode() != null) {
        locations.put(p + ".network_mode", mark(line));
      }
      if (s.options().privileged()) {
        locations.put(p + ".privileged", mark(line));
      }
      for (int i = 0; i < s.ports().size(); i++) {
        locations.put(p + ".ports[" + i + "]", mark(line));
      }
      for (int i = 0; i < s.volumes().size(); i++) {
        locations.put(p + ".volumes[" + i + "]", mark(line));
      }
      for (String key : s.environment().keySet()) {
        locations.put(p + ".environment." + key, mark(line));
      }
      if (!s.selvedge().staticPorts().isEmpty()) {
        locations.put(p + ".x-selvedge", mark(line));
        for (int i = 0; i < s.selvedge().staticPorts().size(); i++) {
          locations.put(p + ".x-selvedge.static-ports[" + i + "]", mark(line));
        }
      }
    }
    List<VariableUse> uses = new ArrayList<>();
    for (String[] v : variables) {
      Mark m = locations.containsKey(v[1]) ? locations.get(v[1]) : mark(line);
      locations.putIfAbsent(v[1], m);
      uses.add(new VariableUse(v[0], v[2].equals("default"), false, v[1], m));
    }
    locations.put("x-selvedge.policy", mark(line));
    for (String id : rules.keySet()) {
      locations.put("x-selvedge.policy.rules." + id, mark(line));
    }
    for (int i = 0; i < waivers.size(); i++) {
      locations.put("x-selvedge.policy.waivers[" + i + "]", mark(line));
    }
    Policy policy = new Policy(rules, floor, failOn, waivers);
    return new Project(
        name,
        dir,
        built,
        disabled,
        networks,
        volumeDefs,
        Map.of(),
        Map.of(),
        policy,
        uses,
        Locations.of(locations),
        secretKeys,
        pinnedEnv,
        List.of(new SourceFile(COMPOSE, "compose", "ab".repeat(32))),
        List.of(),
        SecretValues.NONE,
        List.of(),
        List.of());
  }

  private static Mark mark(int[] line) {
    return new Mark(COMPOSE, line[0]++, 1);
  }
}
