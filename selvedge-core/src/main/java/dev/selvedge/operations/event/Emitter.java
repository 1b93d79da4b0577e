package dev.selvedge.operations.event;

import dev.selvedge.operations.Progress;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The {@link Progress} of one operation on one node and project: each call becomes an {@link
 * OperationEvent} for the sink, its text scrubbed of the project's secret values first (steps quote
 * image references and engine messages, which can carry a substituted secret).
 */
public final class Emitter implements Progress {
  private final EventSink sink;
  private final String node;
  private final String project;
  private final UnaryOperator<String> scrub;

  /**
   * @param scrub masks the project's secret values ({@code project.secretValues()::scrub})
   */
  public Emitter(EventSink sink, String node, String project, UnaryOperator<String> scrub) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.node = Objects.requireNonNull(node, "node");
    this.project = Objects.requireNonNull(project, "project");
    this.scrub = Objects.requireNonNull(scrub, "scrub");
  }

  @Override
  public void step(String service, String message) {
    sink.emit(new OperationEvent.Step(node, project, service, clean(message)));
  }

  @Override
  public void progress(String reference, String layer, String status, long current, long total) {
    sink.emit(
        new OperationEvent.Pull(
            node, project, clean(reference), clean(layer), clean(status), current, total));
  }

  @Override
  public void started(String operation) {
    sink.emit(new OperationEvent.Started(node, project, clean(operation)));
  }

  @Override
  public void verdict(String service, boolean passed, String reason) {
    sink.emit(new OperationEvent.GateVerdict(node, project, service, passed, clean(reason)));
  }

  @Override
  public void finished(String operation, String outcome, String detail) {
    sink.emit(new OperationEvent.Finished(node, project, clean(operation), outcome, clean(detail)));
  }

  private String clean(String text) {
    return text == null ? null : scrub.apply(text);
  }
}
