package dev.selvedge.operations.event;

import java.util.Objects;

/**
 * What an operation (apply, rollback, restart, stop, start, down) did, as it did it: the CLI prints
 * the steps and pulls on standard error, the server will stream all of them. Every event names the
 * node (the engine it ran on) and the project; every message is already free of the project's
 * secret values.
 */
public sealed interface OperationEvent {
  /** The engine the operation runs on ({@code unix:///var/run/docker.sock}, {@code ssh://...}). */
  String node();

  /** The Compose project. */
  String project();

  /** An operation began ({@code apply}, {@code rollback}, {@code restart web}, {@code down}). */
  record Started(String node, String project, String operation) implements OperationEvent {
    public Started {
      requireNode(node, project);
      Objects.requireNonNull(operation, "operation");
    }
  }

  /**
   * One step ({@code creating container shop-web-1}, {@code waiting: starting}).
   *
   * @param service the service it is about, or null for the project
   */
  record Step(String node, String project, String service, String message)
      implements OperationEvent {
    public Step {
      requireNode(node, project);
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * A change of an image pull's progress, as the engine reports it.
   *
   * @param layer the layer, or null for the image as a whole
   * @param current bytes done, or -1 when not known
   * @param total bytes in all, or -1 when not known
   */
  record Pull(
      String node,
      String project,
      String reference,
      String layer,
      String status,
      long current,
      long total)
      implements OperationEvent {
    public Pull {
      requireNode(node, project);
      Objects.requireNonNull(reference, "reference");
      Objects.requireNonNull(status, "status");
    }
  }

  /** A service's health gate decided: passed, or failed and why. */
  record GateVerdict(String node, String project, String service, boolean passed, String reason)
      implements OperationEvent {
    public GateVerdict {
      requireNode(node, project);
      Objects.requireNonNull(service, "service");
      reason = reason == null ? "" : reason;
    }
  }

  /**
   * An operation ended.
   *
   * @param outcome {@code healthy}, {@code failed}, {@code unchanged}, {@code done} or {@code
   *     error}
   * @param detail the summary or the error, "" when there is nothing to add
   */
  record Finished(String node, String project, String operation, String outcome, String detail)
      implements OperationEvent {
    public Finished {
      requireNode(node, project);
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(outcome, "outcome");
      detail = detail == null ? "" : detail;
    }
  }

  private static void requireNode(String node, String project) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(project, "project");
  }
}
