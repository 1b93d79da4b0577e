package dev.selvedge.cli;

import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** One {@code selvedge} subcommand: declares its arguments, then runs on the parsed ones. */
interface Command {
  String name();

  /** One line for the command list of {@code selvedge --help}. */
  String summary();

  void configure(Subparser parser);

  /** Runs the command; returns the exit code ({@link ExitCode}). */
  int run(Namespace args);

  /** Hidden commands are left out of the help. */
  default boolean hidden() {
    return false;
  }
}
