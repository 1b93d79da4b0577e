package dev.selvedge.operations;

import dev.selvedge.contract.model.Project;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.Verifier;
import dev.selvedge.verify.VerifyOptions;
import dev.selvedge.verify.VerifyReport;
import java.util.List;

/**
 * The gate in front of an apply: the contract and its {@code .env.example} checked against the
 * default policy. A contract that fails is refused, unless the operator forces it, and then the
 * deployment records that it was forced.
 */
public final class VerifyGate {
  private VerifyGate() {}

  /** What the gate decided. */
  public enum Decision {
    /** Verify passed. */
    PASSED,
    /** Verify failed and the apply goes ahead anyway, recorded as forced. */
    FORCED,
    /** Verify failed: nothing is applied. */
    REFUSED
  }

  /**
   * The gate's verdict.
   *
   * @param failing the findings at or above the failing severity, in report order (empty when
   *     passed)
   */
  public record Verdict(Decision decision, List<Finding> failing) {
    public Verdict {
      failing = List.copyOf(failing);
    }

    /** Whether the deployment is recorded as forced. */
    public boolean forced() {
      return decision == Decision.FORCED;
    }
  }

  /**
   * Verifies {@code project} (with its project directory's {@code .env.example}) under the default
   * policy.
   *
   * @param force go ahead when verify fails
   */
  public static Verdict judge(Project project, boolean force) {
    VerifyReport report =
        Verifier.verify(project, EnvExample.forProject(project), VerifyOptions.DEFAULTS);
    if (report.passed()) {
      return new Verdict(Decision.PASSED, List.of());
    }
    return new Verdict(force ? Decision.FORCED : Decision.REFUSED, report.failing());
  }
}
