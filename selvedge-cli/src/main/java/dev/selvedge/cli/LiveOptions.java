package dev.selvedge.cli;

import dev.selvedge.contract.compose.LoadOptions;
import dev.selvedge.drift.LiveCheck;
import dev.selvedge.evidence.Fingerprints;
import java.nio.file.Path;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * The arguments of {@code status} and {@code drift} and the {@link LiveCheck} request they make:
 * the four layers are read by that use case, not here.
 */
final class LiveOptions {

  private LiveOptions() {}

  static void configure(Subparser p) {
    ProjectOptions.configure(p);
    RuntimeOptions.configure(p);
    p.addArgument("--deploy-dir")
        .dest("deploy_dir")
        .metavar("DIR")
        .help(
            "where the stack is materialized on the engine's host (default: the project"
                + " directory); read over SSH for ssh:// engines");
    p.addArgument("--no-readback")
        .dest("no_readback")
        .action(Arguments.storeTrue())
        .help("skip the application layer (x-selvedge.readback URLs)");
  }

  /** The use case's request from the parsed arguments. */
  static LiveCheck.Request request(Namespace ns, Cli cli) {
    LoadOptions repo = ProjectOptions.toLoadOptions(ns, cli.environment(), cli.workingDir());
    String deployDir = ns.getString("deploy_dir");
    Path deploy = deployDir == null ? null : cli.workingDir().resolve(deployDir).normalize();
    boolean readback = !Boolean.TRUE.equals(ns.getBoolean("no_readback"));
    return new LiveCheck.Request(repo, deploy, readback, cli.environment(), fingerprints(cli));
  }

  static Fingerprints fingerprints(Cli cli) {
    return Fingerprints.load(OperateOptions.home(cli));
  }
}
