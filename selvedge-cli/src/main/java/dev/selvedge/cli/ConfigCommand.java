package dev.selvedge.cli;

import dev.selvedge.contract.Secrets;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.render.ComposeConfig;
import dev.selvedge.contract.render.TreeWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selvedge config}: prints the rendered project. */
@Command(
    name = "config",
    description = {
      "Render the contract: files merged, variables interpolated, short syntax in long form.",
      "The JSON shape matches `docker compose config --format json`, so the two can be diffed.",
      "Values of secret keys are printed as ********."
    })
final class ConfigCommand implements Callable<Integer> {
  @Mixin ProjectOptions project;

  @Option(names = "--format", paramLabel = "FORMAT", description = "yaml (default) or json")
  Format format = Format.yaml;

  @Option(names = "--services", description = "Print only the service names, one per line")
  boolean servicesOnly;

  @Option(
      names = {"-q", "--quiet"},
      description = "Only validate; print nothing")
  boolean quiet;

  enum Format {
    yaml,
    json
  }

  private final Cli cli;

  ConfigCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Project p = project.load(cli.environment(), cli.workingDir());
    cli.warn(p.warnings());
    if (quiet) {
      return ExitCode.OK;
    }
    if (servicesOnly) {
      p.services().keySet().forEach(cli.out()::println);
      return ExitCode.OK;
    }
    var tree =
        new ComposeConfig((service, key) -> Secrets.isSecretKey(key, p.secretKeys())).render(p);
    cli.out().print(format == Format.json ? TreeWriter.json(tree) : TreeWriter.yaml(tree));
    cli.out().flush();
    return ExitCode.OK;
  }
}
