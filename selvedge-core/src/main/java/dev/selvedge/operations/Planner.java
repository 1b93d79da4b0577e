package dev.selvedge.operations;

import dev.selvedge.contract.model.Dependency;
import dev.selvedge.contract.model.NetworkDef;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.ServiceVolume;
import dev.selvedge.contract.model.VolumeDef;
import dev.selvedge.drift.DriftChecker;
import dev.selvedge.drift.DriftFinding;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.DriftLayer;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.NetworkSummary;
import dev.selvedge.port.VolumeSummary;
import dev.selvedge.verify.EnvExample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads what the engine has for a project (one container list, one network list, one volume list,
 * and an inspect per container that has to be replaced, for the reasons) and says what {@code
 * apply} has to do. Changes nothing.
 */
public final class Planner {
  private final DockerEngine engine;
  private final DriftChecker drift;

  public Planner(DockerEngine engine, DriftChecker drift) {
    this.engine = engine;
    this.drift = drift;
  }

  /**
   * The dry run of {@code project} on {@code engine}: what {@code selvedge plan} shows and the
   * API's plan answers. Pulls nothing: each service's image is only looked up where it is.
   */
  public static Plan dryRun(
      DockerEngine engine,
      Project project,
      dev.selvedge.evidence.Fingerprints fingerprints,
      java.time.Clock clock) {
    SpecBuilder specs = new SpecBuilder(project);
    ImageResolver resolver = new ImageResolver(engine, Progress.NONE);
    Map<String, ResolvedImage> images = new TreeMap<>();
    for (Service s : project.services().values()) {
      specs.check(s);
      resolver.peek(s).ifPresent(i -> images.put(s.name(), i));
    }
    return new Planner(engine, new DriftChecker(fingerprints, clock)).plan(specs, images);
  }

  /**
   * The plan for {@code specs.project()} with its services pinned to {@code images} (a service
   * missing from the map has an image still to pull).
   *
   * @throws OperationException when an external network or volume does not exist
   */
  public Plan plan(SpecBuilder specs, Map<String, ResolvedImage> images) {
    Project project = specs.project();
    List<ContainerSummary> all =
        engine.listContainers(Map.of(ComposeLabels.PROJECT, project.name()), true);
    Map<String, List<ContainerSummary>> byService = new TreeMap<>();
    for (ContainerSummary c : all) {
      if ("true".equalsIgnoreCase(c.labels().getOrDefault(ComposeLabels.ONEOFF, ""))) {
        continue;
      }
      String service = c.labels().getOrDefault(ComposeLabels.SERVICE, "");
      byService.computeIfAbsent(service, k -> new ArrayList<>()).add(c);
    }

    List<Plan.Step> steps = new ArrayList<>();
    Map<String, ContainerSummary> toExplain = new LinkedHashMap<>();
    for (String name : order(project)) {
      Service s = project.services().get(name);
      List<ContainerSummary> mine = byService.getOrDefault(name, List.of());
      steps.add(step(specs, s, images.get(name), mine, toExplain));
    }
    steps = explain(project, steps, toExplain, images);

    List<Plan.Orphan> orphans = new ArrayList<>();
    byService.forEach(
        (service, containers) -> {
          if (!project.services().containsKey(service)) {
            for (ContainerSummary c : containers) {
              orphans.add(new Plan.Orphan(c.id(), name(c), service));
            }
          }
        });

    return new Plan(
        project.name(), engine.endpoint(), steps, networks(project), volumes(project), orphans);
  }

  private Plan.Step step(
      SpecBuilder specs,
      Service s,
      ResolvedImage image,
      List<ContainerSummary> mine,
      Map<String, ContainerSummary> toExplain) {
    String wanted = specs.containerName(s);
    String hash = image == null ? null : specs.configHash(s, image);
    ContainerSummary named = null;
    ContainerSummary parked = null;
    for (ContainerSummary c : mine) {
      if (name(c).equals(wanted)) {
        named = c;
      } else if (parked == null && name(c).endsWith(Applier.OLD_SUFFIX)) {
        parked = c;
      }
    }
    if (parked != null) {
      // An apply was interrupted between parking the previous container and its successor
      // passing the gate: nothing about the current one is known to be good yet.
      String was = "an interrupted apply left the previous container parked as " + name(parked);
      if (named != null
          && hash != null
          && hash.equals(named.labels().get(ComposeLabels.CONFIG_HASH))) {
        return new Plan.Step(
            s.name(),
            Plan.Action.RESUME,
            List.of(was + "; " + wanted + " has not passed its gate yet"),
            named.id(),
            parked.id(),
            others(mine, named, parked),
            image,
            hash);
      }
      ContainerSummary p = parked;
      return new Plan.Step(
          s.name(),
          Plan.Action.RECREATE,
          List.of(was + "; replacing it from there"),
          p.id(),
          null,
          others(mine, p, null),
          image,
          hash);
    }
    ContainerSummary current = named;
    if (current == null && !mine.isEmpty()) {
      current =
          mine.stream().filter(c -> "running".equals(c.state())).findFirst().orElse(mine.get(0));
    }
    List<String> leftovers = others(mine, current, null);
    if (current == null) {
      List<String> why = new ArrayList<>();
      why.add("no container yet");
      if (image == null) {
        why.add("image " + s.image() + " is not on the engine: it will be pulled");
      }
      return new Plan.Step(s.name(), Plan.Action.CREATE, why, null, null, leftovers, image, hash);
    }
    if (image == null) {
      return new Plan.Step(
          s.name(),
          Plan.Action.RECREATE,
          List.of("image " + s.image() + " is not on the engine: it will be pulled"),
          current.id(),
          null,
          leftovers,
          null,
          null);
    }
    boolean sameConfig = hash.equals(current.labels().get(ComposeLabels.CONFIG_HASH));
    if (sameConfig && name(current).equals(wanted)) {
      if ("running".equals(current.state()) || completed(specs.project(), s, current)) {
        return new Plan.Step(
            s.name(), Plan.Action.NOTHING, List.of(), current.id(), null, leftovers, image, hash);
      }
      return new Plan.Step(
          s.name(),
          Plan.Action.START,
          List.of("container " + name(current) + " is " + current.state()),
          current.id(),
          null,
          leftovers,
          image,
          hash);
    }
    toExplain.put(s.name(), current);
    List<String> why = new ArrayList<>();
    if (!name(current).equals(wanted)) {
      why.add("container is named " + name(current) + ", Selvedge names it " + wanted);
    }
    return new Plan.Step(
        s.name(), Plan.Action.RECREATE, why, current.id(), null, leftovers, image, hash);
  }

  /**
   * A job (a dependent waits for it with {@code service_completed_successfully}) that already ran
   * to exit code 0 with this configuration: done, not to be run again.
   */
  private boolean completed(Project project, Service s, ContainerSummary c) {
    return jobs(project).contains(s.name())
        && "exited".equals(c.state())
        && engine.inspectContainer(c.id()).state().exitCode() == 0;
  }

  /** The services some dependent waits for with {@code service_completed_successfully}. */
  static Set<String> jobs(Project project) {
    return waitedFor(project, Dependency.COMPLETED);
  }

  /** The services some dependent waits for with {@code condition}. */
  static Set<String> waitedFor(Project project, String condition) {
    Set<String> out = new HashSet<>();
    for (Service s : project.services().values()) {
      s.dependsOn()
          .forEach(
              (dep, d) -> {
                if (condition.equals(d.condition())) {
                  out.add(dep);
                }
              });
    }
    return out;
  }

  private static List<String> others(
      List<ContainerSummary> mine, ContainerSummary a, ContainerSummary b) {
    List<String> out = new ArrayList<>();
    for (ContainerSummary c : mine) {
      if (c != a && c != b) {
        out.add(c.id());
      }
    }
    return out;
  }

  /** Adds to each RECREATE step the differences drift finds between container and contract. */
  private List<Plan.Step> explain(
      Project project,
      List<Plan.Step> steps,
      Map<String, ContainerSummary> toExplain,
      Map<String, ResolvedImage> images) {
    if (toExplain.isEmpty()) {
      return steps;
    }
    List<ContainerDetails> inspected = new ArrayList<>();
    Map<String, ContainerDetails> byId = new LinkedHashMap<>();
    for (ContainerSummary c : toExplain.values()) {
      ContainerDetails d = engine.inspectContainer(c.id());
      inspected.add(d);
      byId.put(c.id(), d);
    }
    var report = drift.check(DriftInput.of(project, EnvExample.absent(".env.example"), inspected));
    List<Plan.Step> out = new ArrayList<>();
    for (Plan.Step st : steps) {
      ContainerSummary c = toExplain.get(st.service());
      if (c == null) {
        out.add(st);
        continue;
      }
      List<String> why = new ArrayList<>(st.reasons());
      ResolvedImage image = images.get(st.service());
      // The contract's reference resolved on this engine (by tag, or by the pinned digest) against
      // the image the container runs: the image differs exactly when the ids do. Drift's image
      // findings compare references (a container created from an image id names no tag), so with
      // both ids known they say nothing more.
      boolean imageKnown = image != null && c.imageId() != null;
      boolean imageMoved = imageKnown && !c.imageId().equals(image.imageId());
      if (imageMoved) {
        why.add(
            "image: "
                + image.reference()
                + " is now "
                + shortId(image.imageId())
                + ", the container runs "
                + shortId(c.imageId()));
      }
      ContainerDetails details = byId.get(c.id());
      for (DriftFinding f : report.findings(st.service())) {
        if (f.layer() != DriftLayer.REPO_CONTAINER
            || !f.kind().isDrift()
            || (imageKnown && f.key().startsWith("image"))) {
          continue;
        }
        why.add(f.key() + ": " + f.message() + fingerprints(project, st.service(), f, details));
      }
      if (why.isEmpty()) {
        why.add(
            "its config hash differs from the contract's (created by another tool, or a setting"
                + " drift does not compare one by one changed)");
      }
      out.add(
          new Plan.Step(
              st.service(),
              st.action(),
              why,
              st.containerId(),
              st.parkedId(),
              st.leftovers(),
              st.image(),
              st.configHash()));
    }
    return out;
  }

  /**
   * For an environment difference, the two values as fingerprints (never the values: any of them
   * may be a secret), so a reason says what changed and can be matched with a deployment's {@code
   * envFingerprints}; empty for other keys.
   */
  private String fingerprints(
      Project project, String service, DriftFinding f, ContainerDetails container) {
    String prefix = "environment.";
    if (container == null || !f.key().startsWith(prefix)) {
      return "";
    }
    String key = f.key().substring(prefix.length());
    Service s = project.services().get(service);
    String wanted = s == null ? null : s.environment().get(key);
    String running = null;
    for (String entry : container.env()) {
      if (entry.equals(key)) {
        running = "";
      } else if (entry.startsWith(key + "=")) {
        running = entry.substring(key.length() + 1);
      }
    }
    List<String> parts = new ArrayList<>();
    if (running != null) {
      parts.add("the container's " + drift.fingerprints().of(running));
    }
    if (wanted != null) {
      parts.add("the contract's " + drift.fingerprints().of(wanted));
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  private List<Plan.Resource> networks(Project project) {
    Map<String, String> used = new TreeMap<>(); // key -> engine name
    Set<String> external = new HashSet<>();
    for (Service s : project.services().values()) {
      if (s.networkMode() != null && !s.networkMode().isEmpty()) {
        continue;
      }
      for (String key : s.networks().keySet()) {
        NetworkDef def = project.networks().get(key);
        used.put(key, def != null && def.name() != null ? def.name() : project.name() + "_" + key);
        if (def != null && def.external()) {
          external.add(key);
        }
      }
    }
    return used.isEmpty()
        ? List.of()
        : resources(
            "network",
            used,
            external,
            engine.listNetworks(Map.of()).stream()
                .map(NetworkSummary::name)
                .collect(Collectors.toSet()));
  }

  private List<Plan.Resource> volumes(Project project) {
    Map<String, String> used = new TreeMap<>();
    Set<String> external = new HashSet<>();
    for (Service s : project.services().values()) {
      for (ServiceVolume v : s.volumes()) {
        if (ServiceVolume.VOLUME.equals(v.type()) && v.source() != null && !v.source().isEmpty()) {
          VolumeDef def = project.volumes().get(v.source());
          used.put(v.source(), def != null && def.name() != null ? def.name() : v.source());
          if (def != null && def.external()) {
            external.add(v.source());
          }
        }
      }
    }
    return used.isEmpty()
        ? List.of()
        : resources(
            "volume",
            used,
            external,
            engine.listVolumes(Map.of()).stream()
                .map(VolumeSummary::name)
                .collect(Collectors.toSet()));
  }

  /**
   * What happens to each network or volume the services use.
   *
   * @param used contract key → engine name
   * @throws OperationException when an external one does not exist
   */
  private List<Plan.Resource> resources(
      String kind, Map<String, String> used, Set<String> external, Set<String> present) {
    List<Plan.Resource> out = new ArrayList<>();
    used.forEach(
        (key, engineName) -> {
          boolean isExternal = external.contains(key);
          if (isExternal && !present.contains(engineName)) {
            throw new OperationException(
                kind
                    + " '"
                    + key
                    + "' is external (named "
                    + engineName
                    + ") and does not exist on "
                    + engine.endpoint()
                    + "; create it first (docker "
                    + kind
                    + " create "
                    + engineName
                    + ")");
          }
          out.add(
              new Plan.Resource(
                  key,
                  engineName,
                  isExternal
                      ? Plan.Presence.EXTERNAL
                      : present.contains(engineName)
                          ? Plan.Presence.PRESENT
                          : Plan.Presence.CREATE));
        });
    return out;
  }

  /** Services with every dependency before its dependents; ties by name. */
  public static List<String> order(Project project) {
    List<String> out = new ArrayList<>();
    for (List<String> wave : waves(project)) {
      out.addAll(wave);
    }
    return out;
  }

  /**
   * Services in waves: a service's dependencies are all in earlier waves, so the services of one
   * wave can be applied at the same time.
   *
   * @throws OperationException on a dependency cycle
   */
  public static List<List<String>> waves(Project project) {
    Map<String, Set<String>> deps = new TreeMap<>();
    for (Service s : project.services().values()) {
      Set<String> d = new TreeSet<>();
      for (Map.Entry<String, Dependency> e : s.dependsOn().entrySet()) {
        if (project.services().containsKey(e.getKey())) {
          d.add(e.getKey());
        }
      }
      deps.put(s.name(), d);
    }
    List<List<String>> waves = new ArrayList<>();
    Set<String> done = new HashSet<>();
    while (done.size() < deps.size()) {
      List<String> wave = new ArrayList<>();
      for (Map.Entry<String, Set<String>> e : deps.entrySet()) {
        if (!done.contains(e.getKey()) && done.containsAll(e.getValue())) {
          wave.add(e.getKey());
        }
      }
      if (wave.isEmpty()) {
        Set<String> left = new TreeSet<>(deps.keySet());
        left.removeAll(done);
        throw new OperationException("depends_on has a cycle among services " + left);
      }
      done.addAll(wave);
      waves.add(wave);
    }
    return waves;
  }

  static String name(ContainerSummary c) {
    if (c.names().isEmpty()) {
      return c.id();
    }
    String n = c.names().get(0);
    return n.startsWith("/") ? n.substring(1) : n;
  }

  static String shortId(String id) {
    String bare = id.startsWith("sha256:") ? id.substring(7) : id;
    return bare.length() > 12 ? bare.substring(0, 12) : bare;
  }
}
