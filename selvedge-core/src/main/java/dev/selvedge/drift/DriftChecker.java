package dev.selvedge.drift;

import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Service;
import dev.selvedge.contract.model.SourceFile;
import dev.selvedge.evidence.EvidenceReport;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.ContainerDetails;
import dev.selvedge.status.Health;
import dev.selvedge.status.ServiceStatus;
import dev.selvedge.status.StackStatus;
import dev.selvedge.status.StatusModel;
import dev.selvedge.status.Sync;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares the four layers of a stack — repo truth, host materialization, running containers and
 * application readback — pairwise from the top, and derives every service's sync and health. The
 * rules are in docs/drift.md. Pure: it reads nothing itself; the caller brings the layers in a
 * {@link DriftInput}.
 */
public final class DriftChecker {
  private final Fingerprints fingerprints;
  private final Clock clock;

  public DriftChecker(Fingerprints fingerprints, Clock clock) {
    this.fingerprints = Objects.requireNonNull(fingerprints, "fingerprints");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The fingerprints this checker shows secret values with, for callers that name a difference
   * without its values (a plan's reasons).
   */
  public Fingerprints fingerprints() {
    return fingerprints;
  }

  public DriftReport check(DriftInput in) {
    Project deployed = in.deployed();
    Set<String> declared = declaredSecrets(in);
    List<String> publicTexts = new ArrayList<>(publicValues(in.repo(), declared));
    if (in.host() != null) {
      publicTexts.addAll(publicValues(in.host(), declared));
    }
    Secrecy secrecy = new Secrecy(fingerprints, declared, secretSites(in), publicTexts);
    observeSecrets(in, secrecy);
    Observations obs = new Observations(secrecy);

    List<String> layers = new ArrayList<>();
    layers.add("repo");
    Set<String> repoOnly = new HashSet<>();
    if (in.host() != null) {
      layers.add("host");
      ContractDiff diff = new ContractDiff(obs);
      // The same project read once for both layers (deploy dir = project dir) cannot differ.
      if (in.host() != in.repo()) {
        diff.compare(in.repo(), in.host());
      }
      if (in.hostEnv() != null) {
        diff.compareEnv(in.envExample(), in.hostEnv(), in.repo(), in.host());
      }
      for (String name : in.repo().services().keySet()) {
        if (!in.host().services().containsKey(name)) {
          repoOnly.add(name);
        }
      }
    }
    layers.add("container");
    DriftLayer containerLayer =
        in.host() != null ? DriftLayer.HOST_CONTAINER : DriftLayer.REPO_CONTAINER;
    new ContainerCheck(obs, containerLayer, in.images())
        .compare(deployed, in.containers(), repoOnly);
    if (in.readbacks() != null) {
      layers.add("app");
      new ReadbackCheck(obs).compare(deployed, in.readbacks());
    }

    List<String> services = new ArrayList<>(deployed.services().keySet());
    for (String name : repoOnly) {
      obs.health(name, Health.MISSING, "not in the host files, so not deployed");
    }
    List<String> ordered = new ArrayList<>(in.repo().services().keySet());
    for (String s : services) {
      if (!ordered.contains(s)) {
        ordered.add(s);
      }
    }
    List<DriftFinding> findings = sorted(obs.findings, ordered);
    StackStatus status = status(deployed.name(), ordered, findings, obs);
    return new DriftReport(
        deployed.name(),
        Instant.now(clock),
        layers,
        ordered,
        inputs(in),
        findings,
        obs.unread,
        status);
  }

  /**
   * {@link Secrets#publicValues}, remembered for the last projects (by identity) it was asked of: a
   * fleet's checks get the same cached instances node after node, and the answer depends only on
   * the project (immutable) and the declared secret keys.
   */
  private static final Map<PublicKey, List<String>> PUBLIC =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PublicKey, List<String>> eldest) {
              return size() > 64;
            }
          });

  /** A project by identity (a record's equals would compare it deeply) and the declared keys. */
  private record PublicKey(Project project, Set<String> declared) {
    @Override
    public boolean equals(Object o) {
      return o instanceof PublicKey k && k.project == project && k.declared.equals(declared);
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(project) + declared.hashCode();
    }
  }

  private static List<String> publicValues(Project p, Set<String> declared) {
    PublicKey key = new PublicKey(p, Set.copyOf(declared));
    List<String> known = PUBLIC.get(key);
    if (known != null) {
      return known;
    }
    List<String> values =
        Collections.unmodifiableList(new ArrayList<>(Secrets.publicValues(p, declared).values()));
    PUBLIC.put(key, values);
    return values;
  }

  private static Set<String> declaredSecrets(DriftInput in) {
    Set<String> keys = new LinkedHashSet<>(in.repo().secretKeys());
    for (Service s : in.repo().services().values()) {
      keys.addAll(s.selvedge().secrets());
    }
    if (in.host() != null) {
      keys.addAll(in.host().secretKeys());
      for (Service s : in.host().services().values()) {
        keys.addAll(s.selvedge().secrets());
      }
    }
    return keys;
  }

  /** Where the contracts of both layers put secrets: findings at those keys mask them. */
  private static SecretValues secretSites(DriftInput in) {
    SecretValues all = in.repo().secretValues().and(in.deployed().secretValues());
    return in.host() == null ? all : all.and(in.host().secretValues());
  }

  /** Learns every secret value of every layer first, so no finding can carry one. */
  private static void observeSecrets(DriftInput in, Secrecy secrecy) {
    observe(in.repo(), secrecy);
    if (in.host() != null) {
      observe(in.host(), secrecy);
    }
    if (in.hostEnv() != null) {
      in.hostEnv().forEach(secrecy::observe);
    }
    in.envExample().entries().forEach((k, v) -> secrecy.observe(k, v.value()));
    for (ContainerDetails c : in.containers()) {
      ContainerCheck.parseEnv(c.env()).forEach(secrecy::observe);
      c.labels().forEach(secrecy::observe);
    }
  }

  private static void observe(Project p, Secrecy secrecy) {
    for (Service s : p.services().values()) {
      s.environment().forEach(secrecy::observe);
      s.labels().forEach(secrecy::observe);
    }
  }

  private static List<DriftFinding> sorted(List<DriftFinding> findings, List<String> services) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < services.size(); i++) {
      index.put(services.get(i), i);
    }
    List<DriftFinding> out = new ArrayList<>(findings);
    // Stable: within a service and layer, findings keep the order the rules ran in.
    // One lambda rather than a Comparator.comparing chain, whose lambdas inside Comparator are
    // spun at run time on every CLI start (the AOT cache does not keep them).
    out.sort(
        (a, b) -> {
          int c = Integer.compare(rank(a, index, services), rank(b, index, services));
          if (c == 0) {
            c = unlisted(a, index).compareTo(unlisted(b, index));
          }
          return c != 0 ? c : Integer.compare(a.layer().ordinal(), b.layer().ordinal());
        });
    return out;
  }

  private static int rank(DriftFinding f, Map<String, Integer> index, List<String> services) {
    return f.service() == null ? -1 : index.getOrDefault(f.service(), services.size());
  }

  private static String unlisted(DriftFinding f, Map<String, Integer> index) {
    return index.containsKey(f.service()) || f.service() == null ? "" : f.service();
  }

  private static StackStatus status(
      String project, List<String> services, List<DriftFinding> findings, Observations obs) {
    List<ServiceStatus> statuses = new ArrayList<>();
    for (String name : services) {
      List<String> syncReasons = new ArrayList<>();
      boolean drifted = false;
      for (DriftFinding f : findings) {
        if (name.equals(f.service()) && f.kind().isDrift()) {
          drifted = true;
          syncReasons.add(f.kind().id() + " " + f.key() + ": " + f.message());
        }
      }
      boolean unknown = false;
      for (Unread u : obs.unread) {
        if (name.equals(u.service())) {
          unknown = true;
          syncReasons.add("not read " + u.key() + ": " + u.reason());
        }
      }
      Sync sync = drifted ? Sync.DRIFTED : unknown ? Sync.UNKNOWN : Sync.IN_SYNC;

      List<Observations.Signal> signals = obs.health.getOrDefault(name, List.of());
      Health health = Health.HEALTHY;
      for (Observations.Signal s : signals) {
        health = health.worst(s.health());
      }
      List<String> healthReasons = new ArrayList<>();
      for (Observations.Signal s : signals) {
        if (s.health() == health) {
          healthReasons.add(s.reason());
        }
      }
      statuses.add(
          StatusModel.service(
              name,
              sync,
              syncReasons,
              health,
              healthReasons,
              obs.external.getOrDefault(name, List.of())));
    }
    List<String> projectReasons = new ArrayList<>();
    for (DriftFinding f : findings) {
      if (f.kind().isDrift() && (f.service() == null || !services.contains(f.service()))) {
        projectReasons.add(f.kind().id() + " " + f.key() + ": " + f.message());
      }
    }
    for (Unread u : obs.unread) {
      if (u.service() == null) {
        projectReasons.add("not read " + u.key() + ": " + u.reason());
      }
    }
    return StatusModel.stack(project, statuses, projectReasons);
  }

  private static List<EvidenceReport.Input> inputs(DriftInput in) {
    List<EvidenceReport.Input> inputs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String repoDir = in.repo().workingDir();
    for (SourceFile s : in.repo().sources()) {
      String path = relative(repoDir, s.path());
      if (seen.add(path)) {
        inputs.add(new EvidenceReport.Input(path, s.role(), s.sha256()));
      }
    }
    if (in.envExample().present()) {
      String path = relative(repoDir, in.envExample().file());
      if (seen.add(path)) {
        inputs.add(new EvidenceReport.Input(path, "env-example", in.envExample().sha256()));
      }
    }
    // The host project names its files relative to the deploy directory: made absolute there, so
    // the host's compose.yaml and .env are not taken for the repo's files of the same name.
    if (in.host() != null && in.host() != in.repo()) {
      for (SourceFile s : in.host().sources()) {
        String path = relative(repoDir, inside(in.host().workingDir(), s.path()));
        if (seen.add(path)) {
          inputs.add(new EvidenceReport.Input(path, "host-" + s.role(), s.sha256()));
        }
      }
    }
    return inputs;
  }

  private static String inside(String dir, String file) {
    if (dir == null || dir.isEmpty() || file == null) {
      return file;
    }
    try {
      return Path.of(dir).resolve(file).normalize().toString();
    } catch (RuntimeException e) {
      return file;
    }
  }

  private static String relative(String dir, String file) {
    if (dir == null || dir.isEmpty() || file == null) {
      return file;
    }
    try {
      Path d = Path.of(dir);
      Path f = Path.of(file);
      return f.startsWith(d) ? d.relativize(f).toString() : file;
    } catch (RuntimeException e) {
      return file;
    }
  }
}
