package dev.selvedge.cli;

/** The exit codes every command uses; documented in {@code selvedge --help}. */
final class ExitCode {
  /** Success: the contract is valid, the check passed. */
  static final int OK = 0;

  /** The check ran and failed: findings at the failing severity, drift. */
  static final int FINDINGS = 1;

  /** The input could not be read or the command line is wrong. */
  static final int INPUT = 2;

  /** A bug in Selvedge. */
  static final int INTERNAL = 3;

  private ExitCode() {}
}
