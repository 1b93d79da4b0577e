package dev.selvedge.contract.model;

import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.yaml.Mark;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A rendered Compose project: the contract every other part of Selvedge works from.
 *
 * @param name the normalized project name
 * @param workingDir absolute project directory
 * @param services enabled services (profiles applied), in file order
 * @param disabledServices services left out by inactive profiles
 * @param variables every interpolation reference, for the {@code env-undeclared} rule
 * @param locations where each key was written, by dotted path ({@code services.api.image})
 * @param secretKeys environment keys declared secret in any {@code x-selvedge}
 * @param pinnedEnv keys of {@code x-selvedge.pinned-env}: the host's {@code .env} must hold the
 *     value {@code .env.example} declares for them (drift reports an override)
 * @param sources files read, with content hashes
 * @param secretValues where secrets were substituted and the secret values the contract was
 *     rendered with, to scrub output
 * @param warnings things worth telling the user that do not stop loading (obsolete keys, unset
 *     variables)
 */
public record Project(
    String name,
    String workingDir,
    Map<String, Service> services,
    Set<String> disabledServices,
    Map<String, NetworkDef> networks,
    Map<String, VolumeDef> volumes,
    Map<String, SecretDef> secrets,
    Map<String, SecretDef> configs,
    Policy policy,
    List<VariableUse> variables,
    Locations locations,
    Set<String> secretKeys,
    Set<String> pinnedEnv,
    List<SourceFile> sources,
    List<String> warnings,
    SecretValues secretValues,
    List<String> parityIgnore,
    List<String> tenantUnique) {

  public Project {
    parityIgnore = parityIgnore == null ? List.of() : List.copyOf(parityIgnore);
    tenantUnique = tenantUnique == null ? List.of() : List.copyOf(tenantUnique);
    services = Maps.copy(services);
    disabledServices = disabledServices == null ? Set.of() : Set.copyOf(disabledServices);
    networks = Maps.copy(networks);
    volumes = Maps.copy(volumes);
    secrets = Maps.copy(secrets);
    configs = Maps.copy(configs);
    policy = policy == null ? Policy.DEFAULT : policy;
    variables = variables == null ? List.of() : List.copyOf(variables);
    locations = locations == null ? Locations.NONE : locations;
    secretKeys = secretKeys == null ? Set.of() : Set.copyOf(secretKeys);
    // In declaration order: findings and unread entries follow it, the same on every run
    // (Set.copyOf's iteration order changes from one JVM to the next).
    pinnedEnv =
        pinnedEnv == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(pinnedEnv));
    sources = sources == null ? List.of() : List.copyOf(sources);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    secretValues = secretValues == null ? SecretValues.NONE : secretValues;
  }

  /** This project with other services (the same names; a rollout's image overrides). */
  public Project withServices(Map<String, Service> newServices) {
    return new Project(
        name,
        workingDir,
        newServices,
        disabledServices,
        networks,
        volumes,
        secrets,
        configs,
        policy,
        variables,
        locations,
        secretKeys,
        pinnedEnv,
        sources,
        warnings,
        secretValues,
        parityIgnore,
        tenantUnique);
  }

  /**
   * This project with more keys treated as secret and more values to mask: a project rebuilt from a
   * redacted snapshot keeps the secrecy of the contract it came from.
   */
  public Project withSecrets(Set<String> moreKeys, SecretValues moreValues) {
    Set<String> keys = new java.util.HashSet<>(secretKeys);
    keys.addAll(moreKeys);
    return new Project(
        name,
        workingDir,
        services,
        disabledServices,
        networks,
        volumes,
        secrets,
        configs,
        policy,
        variables,
        locations,
        keys,
        pinnedEnv,
        sources,
        warnings,
        secretValues.and(moreValues),
        parityIgnore,
        tenantUnique);
  }

  /** Names what it is, never the values it holds (environment values may be secrets). */
  @Override
  public String toString() {
    return "Project[" + name + ", " + services.size() + " services, " + workingDir + "]";
  }

  /**
   * Where {@code path} was written, or the nearest enclosing key that has a location, or {@link
   * Mark#NONE}.
   */
  public Mark locate(String path) {
    String p = path;
    while (p != null && !p.isEmpty()) {
      Mark m = locations.find(p);
      if (m != null) {
        return m;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? null : p.substring(0, cut);
    }
    return Mark.NONE;
  }
}
