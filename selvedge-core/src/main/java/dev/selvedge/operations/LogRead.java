package dev.selvedge.operations;

import dev.selvedge.SelvedgeException;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Project;
import dev.selvedge.port.ContainerSummary;
import dev.selvedge.port.DockerEngine;
import dev.selvedge.port.LogLines;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The recent logs of a service's containers, bounded (no follow) and scrubbed: every secret value
 * of the contract and of the running containers' own environment is masked, so what a front end
 * prints or serves never carries one.
 */
public final class LogRead {
  private LogRead() {}

  /**
   * What to read.
   *
   * @param since only lines after this instant (null = no lower bound)
   * @param tail at most this many lines per container
   * @param timeout give up reading one container's log after this long
   */
  public record Request(
      Project project, String service, Instant since, int tail, Duration timeout) {
    public Request {
      Objects.requireNonNull(project, "project");
      checkService(project, service);
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * One container's lines, already scrubbed (not yet escaped for a terminal).
   *
   * @param label the container's name, or the short id of one without a name
   * @param truncated the read stopped at the timeout
   */
  public record ContainerLog(String label, List<String> lines, boolean truncated) {
    public ContainerLog {
      lines = List.copyOf(lines);
    }
  }

  /**
   * Refuses a service the contract does not have.
   *
   * @throws SelvedgeException naming the project's services
   */
  public static void checkService(Project project, String service) {
    if (!project.services().containsKey(service)) {
      throw new SelvedgeException(
          "no service '"
              + service
              + "' in project "
              + project.name()
              + "; it has "
              + String.join(", ", project.services().keySet()));
    }
  }

  /**
   * Reads the service's containers' logs in name order, each handed to {@code sink} as soon as it
   * is read.
   *
   * @return how many containers the service has on {@code engine} (0: nothing was read)
   */
  public static int read(DockerEngine engine, Request request, Consumer<ContainerLog> sink) {
    Project project = request.project();
    List<ContainerSummary> containers =
        new ArrayList<>(
            engine.listContainers(
                Map.of(
                    ComposeLabels.PROJECT,
                    project.name(),
                    ComposeLabels.SERVICE,
                    request.service()),
                true));
    if (containers.isEmpty()) {
      return 0;
    }
    containers.sort(Comparator.comparing(c -> c.names().isEmpty() ? c.id() : c.names().get(0)));
    SecretValues scrub = scrubber(engine, project, containers);
    for (ContainerSummary c : containers) {
      String label = c.names().isEmpty() ? c.id().substring(0, 12) : c.names().get(0);
      LogLines lines = engine.logs(c.id(), request.since(), request.tail(), request.timeout());
      List<String> texts = new ArrayList<>(lines.lines().size());
      for (LogLines.Line line : lines.lines()) {
        texts.add(scrub.scrub(line.text()));
      }
      sink.accept(new ContainerLog(label, texts, lines.truncated()));
    }
    return containers.size();
  }

  /**
   * The contract's secret values and those of the containers' secret environment: what runs may
   * hold other values than the contract does now (a rotated {@code .env}). A value that is also a
   * name or image of the contract is public already (weak-secret) and left alone.
   */
  private static SecretValues scrubber(
      DockerEngine engine, Project project, List<ContainerSummary> containers) {
    List<String> running = new ArrayList<>();
    for (ContainerSummary c : containers) {
      for (String kv : engine.inspectContainer(c.id()).env()) {
        int eq = kv.indexOf('=');
        if (eq > 0 && Secrets.isSecretKey(kv.substring(0, eq), project.secretKeys())) {
          running.add(kv.substring(eq + 1));
        }
      }
    }
    return project
        .secretValues()
        .and(
            SecretValues.of(running)
                .withoutPublic(Secrets.publicValues(project, project.secretKeys()).values()));
  }
}
