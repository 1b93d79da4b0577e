package dev.selvedge.fleet;

import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.drift.DriftInput;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import dev.selvedge.port.DockerEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a fleet stack with the same {@link LiveCheck} as {@code selvedge status} and {@code drift}:
 * the stack's {@code contract} (a directory, or a Compose file) is the repo side, loaded under the
 * stack's {@code project} name; its {@code deploy_dir} (else the contract's directory) is read on
 * the node.
 */
public final class LiveStackReader implements StackReader {
  private final LiveCheck check;
  private final Map<String, String> environment;
  private final Fingerprints fingerprints;
  private final boolean readback;

  /**
   * @param environment the control plane's environment (wins over a host's {@code .env})
   * @param readback whether to probe the {@code x-selvedge.readback} URLs
   */
  public LiveStackReader(
      LiveCheck check,
      Map<String, String> environment,
      Fingerprints fingerprints,
      boolean readback) {
    this.check = check;
    this.environment = Map.copyOf(environment);
    this.fingerprints = fingerprints;
    this.readback = readback;
  }

  /**
   * How a fleet stack's contract is loaded (the repo side): its {@code contract} (a directory, or a
   * Compose file) under the stack's {@code project} name, with {@code environment} winning over its
   * {@code .env}. What the server's operations on the stack load too.
   */
  public static LoadOptions loadOptions(Fleet.Stack stack, Map<String, String> environment) {
    Path contract = stack.contract();
    boolean file = Files.isRegularFile(contract);
    Path dir = file ? contract.getParent() : contract;
    return new LoadOptions(
        file ? List.of(contract) : List.of(),
        dir,
        stack.project(),
        List.of(),
        Set.of(),
        environment,
        dir);
  }

  @Override
  public DriftReport read(Fleet.Node node, Fleet.Stack stack, DockerEngine engine) {
    return check.run(request(stack), engine);
  }

  /**
   * The stack's layers as {@link #read} reads them, not compared: what {@code selvedge parity}
   * compares between nodes. Holds secret values as read: never print it.
   */
  public DriftInput input(Fleet.Stack stack, DockerEngine engine) {
    return check.read(request(stack), engine);
  }

  private LiveCheck.Request request(Fleet.Stack stack) {
    LoadOptions repo = loadOptions(stack, environment);
    Path deploy = stack.deployDir() == null ? null : Path.of(stack.deployDir());
    return new LiveCheck.Request(repo, deploy, readback, environment, fingerprints);
  }
}
