package dev.selvedge.fleet.update;

import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.model.Service;
import dev.selvedge.fleet.Fleet;
import dev.selvedge.fleet.LiveStackReader;
import dev.selvedge.fleet.NodeState;
import dev.selvedge.operations.HostIdentity;
import dev.selvedge.port.AutoUpdateStore;
import dev.selvedge.port.AutoUpdateStore.Attempt;
import dev.selvedge.port.AutoUpdateStore.Seen;
import dev.selvedge.port.Deployment;
import dev.selvedge.port.RegistryDigests;
import dev.selvedge.port.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Auto-update (docs/auto-update.md): for a stack with {@code auto_update} in the fleet file, asks
 * the registry which digest each followed service's tag points to, compares it with what the
 * stack's nodes run (their last healthy deployments in the store; else the digest this found last
 * time), and starts one rollout of the stack pinned to the new digests, inside the window only. A
 * digest is attempted once: a halted rollout is not started again for it.
 */
public final class AutoUpdate {

  /** A stack's services and the image each one names, as its contract says. */
  @FunctionalInterface
  public interface Images {
    /**
     * @throws RuntimeException saying why the contract cannot be read
     */
    Map<String, String> images(Fleet.Stack stack);

    /** From the contract on disk, loaded as the poller loads it. */
    static Images contracts(Map<String, String> environment) {
      return stack -> {
        Map<String, String> out = new LinkedHashMap<>();
        for (Service s :
            ComposeLoader.load(LiveStackReader.loadOptions(stack, environment))
                .services()
                .values()) {
          out.put(s.name(), s.image());
        }
        return out;
      };
    }
  }

  /**
   * A stack name with {@code auto_update} and the nodes that run it.
   *
   * @param stack the first node's declaration (all of them agree on {@code auto_update})
   * @param nodes node id → the stack's Compose project there
   */
  public record Target(
      String name, Fleet.AutoUpdate policy, Fleet.Stack stack, Map<String, String> nodes) {
    public Target {
      nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
    }
  }

  /** What one followed service showed. */
  public enum State {
    /** Its nodes run the registry's digest. */
    CURRENT,
    /** A new digest: a rollout is due. */
    DUE,
    /** A new digest, attempted already: never again. */
    ATTEMPTED,
    /** Started now. */
    STARTED,
    /** Not checked: the registry or the contract did not answer, or the service is unknown. */
    FAILED
  }

  /**
   * @param reference the contract's image reference; null when unknown
   * @param digest the registry's digest; null when not read
   * @param running what the nodes run (or was seen last), when known
   * @param message why, in a sentence
   */
  public record ServiceCheck(
      String service,
      String reference,
      String digest,
      List<String> running,
      State state,
      String message) {
    public ServiceCheck {
      running = List.copyOf(running);
    }
  }

  /**
   * One check of one stack.
   *
   * @param rolloutId the rollout started, or null
   * @param skipped why a due update was not started (outside the window, refused), or null
   * @param retry whether the next check will try to start it again
   */
  public record StackCheck(
      String stack,
      Instant at,
      List<ServiceCheck> services,
      String rolloutId,
      Map<String, String> images,
      String skipped,
      boolean retry) {
    public StackCheck {
      services = List.copyOf(services);
      images = images == null ? Map.of() : Map.copyOf(images);
    }

    /** The services with a new digest not attempted yet. */
    public List<ServiceCheck> due() {
      return services.stream().filter(s -> s.state() == State.DUE).toList();
    }
  }

  /**
   * The outcome of an attempt whose rollout reached every node ({@link AutoUpdateStore#outcome});
   * any other outcome ({@code halted}, {@code aborted}, ...) leaves the digest attempted and not
   * started again.
   */
  public static final String FINISHED = "finished";

  /**
   * How long an attempt may stay without its rollout id before it counts as a claim left by a check
   * that stopped (crashed) between claiming and naming the rollout: it is then released and the
   * digest tried again, rather than being blocked for ever.
   */
  public static final java.time.Duration STALE_CLAIM = java.time.Duration.ofMinutes(10);

  private final RegistryDigests registry;
  private final Store store;
  private final Images images;
  private final RolloutStarter starter;
  private final Clock clock;

  public AutoUpdate(
      RegistryDigests registry, Store store, Images images, RolloutStarter starter, Clock clock) {
    this.registry = registry;
    this.store = store;
    this.images = images;
    this.starter = starter;
    this.clock = clock;
  }

  /** The stacks of {@code fleet} that auto-update, in the file's order. */
  public static List<Target> targets(Fleet fleet) {
    Map<String, Fleet.Stack> first = new LinkedHashMap<>();
    Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
    Map<String, Fleet.AutoUpdate> policies = new LinkedHashMap<>();
    for (Fleet.Node node : fleet.nodes().values()) {
      for (Fleet.Stack stack : node.stacks().values()) {
        first.putIfAbsent(stack.name(), stack);
        nodes
            .computeIfAbsent(stack.name(), k -> new LinkedHashMap<>())
            .put(node.id(), stack.project());
        if (stack.autoUpdate() != null) {
          policies.putIfAbsent(stack.name(), stack.autoUpdate());
        }
      }
    }
    List<Target> out = new ArrayList<>();
    policies.forEach(
        (name, policy) -> out.add(new Target(name, policy, first.get(name), nodes.get(name))));
    return out;
  }

  /**
   * When a check of {@code policy} next fires after {@code after}: its cron's next time, moved to
   * the window's next opening when that time is outside the window; null when the cron never fires
   * again.
   */
  public static Instant nextCheck(Fleet.AutoUpdate policy, Instant after) {
    Instant t = policy.schedule().next(after);
    if (t == null || policy.window() == null) {
      return t;
    }
    return policy.window().nextOpening(t);
  }

  /**
   * {@code repository@digest} of a tag reference ({@code reg:5000/app:1} → {@code reg:5000/app}).
   */
  public static String pinned(String reference, String digest) {
    String r = reference;
    int at = r.indexOf('@');
    if (at >= 0) {
      r = r.substring(0, at);
    }
    int slash = r.lastIndexOf('/');
    int colon = r.lastIndexOf(':');
    if (colon > slash) {
      r = r.substring(0, colon);
    }
    return r + "@" + digest;
  }

  /**
   * Checks one stack now.
   *
   * @param start whether to start a rollout for what is due (false: only report, as {@code selvedge
   *     fleet updates} does; the digest of a tag found current is still recorded as its baseline)
   */
  public StackCheck check(Target target, boolean start) {
    Instant now = clock.instant();
    Fleet.AutoUpdate policy = target.policy();
    Map<String, String> refs;
    String contractProblem = null;
    try {
      refs = images.images(target.stack());
    } catch (RuntimeException e) {
      refs = Map.of();
      contractProblem =
          "the contract " + target.stack().contract() + " cannot be read: " + e.getMessage();
    }
    Map<String, Seen> seen = store.autoUpdates().seen(target.name());
    List<ServiceCheck> checks = new ArrayList<>();
    for (String service : policy.services()) {
      checks.add(service(target, service, refs, contractProblem, seen.get(service), now));
    }
    List<ServiceCheck> due = checks.stream().filter(c -> c.state() == State.DUE).toList();
    if (due.isEmpty() || !start) {
      return new StackCheck(target.name(), now, checks, null, null, null, false);
    }
    if (policy.window() != null && !policy.window().contains(now)) {
      return new StackCheck(
          target.name(),
          now,
          checks,
          null,
          null,
          "outside the window "
              + policy.window()
              + " UTC; waits for its opening at "
              + policy.window().nextOpening(now),
          true);
    }
    Map<String, String> pins = new LinkedHashMap<>();
    for (ServiceCheck c : due) {
      pins.put(c.service(), pinned(c.reference(), c.digest()));
    }
    String reason =
        "auto-update: "
            + String.join(", ", due.stream().map(c -> c.service() + " " + c.digest()).toList());
    // Claim every due digest before starting: of two replicas checking at once, one starts it.
    List<Attempt> claims = new ArrayList<>();
    for (ServiceCheck c : due) {
      Optional<Attempt> claim =
          store
              .autoUpdates()
              .add(new Attempt(0, target.name(), c.service(), c.digest(), "", now, null));
      if (claim.isEmpty()) {
        claims.forEach(a -> store.autoUpdates().release(a.id()));
        return new StackCheck(
            target.name(),
            now,
            checks,
            null,
            pins,
            c.digest() + " of " + c.service() + " is being attempted by another check",
            false);
      }
      claims.add(claim.get());
    }
    String rollout;
    try {
      rollout = starter.start(target.name(), pins, policy.waves(), policy.gateTimeout(), reason);
    } catch (RuntimeException e) {
      claims.forEach(a -> store.autoUpdates().release(a.id()));
      boolean busy = e instanceof RolloutStarter.Refused r && r.busy();
      return new StackCheck(
          target.name(),
          now,
          checks,
          null,
          pins,
          (e instanceof RolloutStarter.Refused
                  ? "the rollout was refused: "
                  : "the rollout failed to start: ")
              + e.getMessage()
              + "; tried again at the next check"
              + (busy ? " (a rollout of the stack is running)" : ""),
          true);
    }
    for (Attempt a : claims) {
      store.autoUpdates().rollout(a.id(), rollout);
    }
    List<ServiceCheck> after = new ArrayList<>();
    for (ServiceCheck c : checks) {
      if (c.state() != State.DUE) {
        after.add(c);
        continue;
      }
      after.add(
          new ServiceCheck(
              c.service(),
              c.reference(),
              c.digest(),
              c.running(),
              State.STARTED,
              "rollout " + rollout + " started for " + c.digest()));
    }
    return new StackCheck(target.name(), now, after, rollout, pins, null, false);
  }

  private ServiceCheck service(
      Target target,
      String service,
      Map<String, String> refs,
      String contractProblem,
      Seen seen,
      Instant now) {
    if (contractProblem != null) {
      return new ServiceCheck(service, null, null, List.of(), State.FAILED, contractProblem);
    }
    String ref = refs.get(service);
    if (!refs.containsKey(service)) {
      return new ServiceCheck(
          service,
          null,
          null,
          List.of(),
          State.FAILED,
          "service '"
              + service
              + "' of auto_update is not in the contract "
              + target.stack().contract()
              + " (services: "
              + String.join(", ", new java.util.TreeSet<>(refs.keySet()))
              + ")");
    }
    if (ref == null || ref.isBlank()) {
      return new ServiceCheck(
          service,
          null,
          null,
          List.of(),
          State.FAILED,
          "service '" + service + "' names no image (it is built): no tag to follow");
    }
    if (ref.contains("@")) {
      return new ServiceCheck(
          service,
          ref,
          null,
          List.of(),
          State.FAILED,
          "service '" + service + "' is pinned by digest (" + ref + "): no tag to follow");
    }
    String digest;
    try {
      digest = registry.digest(ref);
    } catch (RegistryDigests.Failed e) {
      return new ServiceCheck(service, ref, null, List.of(), State.FAILED, e.getMessage());
    }
    List<String> running = running(target, service);
    boolean fresh;
    List<String> shown = running;
    if (!running.isEmpty()) {
      fresh = running.stream().anyMatch(d -> !d.equals(digest));
    } else if (seen != null && seen.reference().equals(ref)) {
      fresh = !seen.digest().equals(digest);
      shown = List.of(seen.digest());
    } else {
      // First sight of this tag, and no deployment says what runs: what it points to now is the
      // baseline; the next digest pushed to it is the update.
      fresh = false;
    }
    if (!fresh) {
      store.autoUpdates().see(new Seen(target.name(), service, ref, digest, now));
      return new ServiceCheck(
          service, ref, digest, shown, State.CURRENT, ref + " is at " + digest + ": up to date");
    }
    Optional<Attempt> attempted =
        store.autoUpdates().find(target.name(), service, digest).map(this::withOutcome);
    if (attempted.isPresent()
        && (attempted.get().rolloutId() == null || attempted.get().rolloutId().isEmpty())
        && !attempted.get().startedAt().isAfter(now.minus(STALE_CLAIM))) {
      // A claim whose check never named its rollout (it stopped in between): free the digest.
      store.autoUpdates().release(attempted.get().id());
      attempted = Optional.empty();
    }
    if (attempted.isPresent() && FINISHED.equals(attempted.get().outcome())) {
      // Its rollout reached every node: the new digest is what runs now.
      store.autoUpdates().see(new Seen(target.name(), service, ref, digest, now));
      return new ServiceCheck(
          service,
          ref,
          digest,
          List.of(digest),
          State.CURRENT,
          ref + " is at " + digest + ": rolled out by " + attempted.get().rolloutId());
    }
    if (attempted.isPresent()) {
      Attempt a = attempted.get();
      return new ServiceCheck(
          service,
          ref,
          digest,
          shown,
          State.ATTEMPTED,
          digest
              + " was attempted already (rollout "
              + a.rolloutId()
              + (a.outcome() == null ? "" : ", " + a.outcome())
              + "); a digest is not attempted twice: push a new one or roll out by hand");
    }
    return new ServiceCheck(
        service, ref, digest, shown, State.DUE, ref + " points to a new digest " + digest);
  }

  /**
   * {@code a} with its rollout's outcome once that rollout has ended, whoever ran it (this server,
   * another replica, or {@code selvedge rollout resume} on the CLI), recorded for the next check.
   */
  private Attempt withOutcome(Attempt a) {
    if (a.outcome() != null || a.rolloutId() == null || a.rolloutId().isEmpty()) {
      return a;
    }
    Optional<String> ended =
        store
            .rollouts()
            .find(a.rolloutId())
            .filter(r -> !r.state().active())
            .map(r -> r.state().label());
    if (ended.isEmpty()) {
      return a;
    }
    store.autoUpdates().outcome(a.rolloutId(), ended.get());
    return new Attempt(
        a.id(), a.stack(), a.service(), a.digest(), a.rolloutId(), a.startedAt(), ended.get());
  }

  /** The digests the stack's nodes run for {@code service}, from their last healthy deployments. */
  private List<String> running(Target target, String service) {
    Set<String> out = new LinkedHashSet<>();
    for (Map.Entry<String, String> e : target.nodes().entrySet()) {
      String node = e.getKey();
      Optional<NodeState> state = store.fleetState().node(node);
      if (state.isEmpty() || state.get().facts() == null) {
        continue;
      }
      String daemon = state.get().facts().daemonId();
      if (daemon == null || daemon.isBlank()) {
        continue;
      }
      String project = e.getValue();
      Optional<Deployment> last =
          store.deployments().lastHealthy(HostIdentity.DAEMON + daemon, project);
      if (last.isEmpty()) {
        continue;
      }
      for (Deployment.ServiceImage image : last.get().images()) {
        if (image.service().equals(service) && image.repoDigest() != null) {
          int at = image.repoDigest().indexOf('@');
          out.add(at >= 0 ? image.repoDigest().substring(at + 1) : image.repoDigest());
        }
      }
    }
    return List.copyOf(out);
  }
}
