package dev.selvedge.cli;

import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.contract.render.TreeWriter;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code selvedge config}: prints the rendered project. */
final class ConfigCommand implements Command {
  private final Cli cli;

  ConfigCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "config";
  }

  @Override
  public String summary() {
    return "render the merged, interpolated contract";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Render the contract: files merged, variables interpolated, short syntax in long form."
            + " The JSON shape matches `docker compose config --format json`, so the two can be"
            + " diffed. Values of secret keys are printed as ********.");
    ProjectOptions.configure(p);
    p.addArgument("--format").choices("yaml", "json").setDefault("yaml").help("output format");
    p.addArgument("--services")
        .action(Arguments.storeTrue())
        .help("print only the service names, one per line");
    p.addArgument("-q", "--quiet").action(Arguments.storeTrue()).help("only validate");
  }

  @Override
  public int run(Namespace ns) {
    Project p = ProjectOptions.load(ns, cli);
    cli.warn(p.warnings());
    if (ns.getBoolean("quiet")) {
      return ExitCode.OK;
    }
    if (ns.getBoolean("services")) {
      p.services().keySet().forEach(cli.out()::println);
      return ExitCode.OK;
    }
    var tree = ComposeConfig.redacted().render(p);
    cli.out()
        .print(
            ns.getString("format").equals("json") ? TreeWriter.json(tree) : TreeWriter.yaml(tree));
    return ExitCode.OK;
  }
}
