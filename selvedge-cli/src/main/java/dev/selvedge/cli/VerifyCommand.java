package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.Version;
import dev.selvedge.contract.compose.ComposeLoader;
import dev.selvedge.contract.compose.SourceFiles;
import dev.selvedge.contract.model.Project;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.evidence.EvidenceJson;
import dev.selvedge.evidence.Tool;
import dev.selvedge.verify.EnvExample;
import dev.selvedge.verify.Verifier;
import dev.selvedge.verify.VerifyOptions;
import dev.selvedge.verify.VerifyReport;
import dev.selvedge.verify.render.SarifRenderer;
import dev.selvedge.verify.render.TextRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code selvedge verify}: static policy rules over the rendered contract. */
final class VerifyCommand implements Command {
  private final Cli cli;

  VerifyCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public String name() {
    return "verify";
  }

  @Override
  public String summary() {
    return "check the contract against the policy rules";
  }

  @Override
  public void configure(Subparser p) {
    p.description(
        "Check the contract and its .env.example against the policy rules; no host needed."
            + " Exit 0 when no finding reaches the failing severity, 1 when one does, 2 when the"
            + " input cannot be read.");
    ProjectOptions.configure(p);
    p.addArgument("--format")
        .choices("text", "json", "sarif")
        .setDefault("text")
        .help("text, json (the evidence report) or sarif (SARIF 2.1.0)");
    p.addArgument("--rule")
        .action(Arguments.append())
        .metavar("ID=SEVERITY")
        .help("override a rule's severity for this run (off, note, warning, error)");
    p.addArgument("--fail-on")
        .dest("fail_on")
        .metavar("SEVERITY")
        .help("lowest severity that fails the run (default: the policy's, else error)");
    p.addArgument("--env-example")
        .dest("env_example")
        .metavar("FILE")
        .help(
            "declared variables (default: .env.example in the project directory); with no .env,"
                + " its keys stand in for interpolation, secret and empty ones as placeholders");
  }

  @Override
  public int run(Namespace ns) {
    String envExample = ns.getString("env_example");
    Path example = envExample == null ? null : cli.workingDir().resolve(envExample);
    if (example != null && !SourceFiles.LOCAL.isFile(example)) {
      throw new SelvedgeException(example + ": not found; check the --env-example path");
    }
    // verify needs no real values: without a .env (a CI runner) the example's keys stand in.
    Project p =
        ComposeLoader.load(
            ProjectOptions.toLoadOptions(ns, cli)
                .withEnvExampleFallback(example != null ? example : Path.of(EnvExample.FILE_NAME)));
    cli.warn(p.warnings());
    VerifyOptions options = VerifyOptions.DEFAULTS;
    List<Object> rules = ns.getList("rule");
    for (Object r : rules == null ? List.<Object>of() : rules) {
      String rule = String.valueOf(r);
      int eq = rule.indexOf('=');
      if (eq <= 0) {
        throw new SelvedgeException("--rule " + rule + ": write ID=SEVERITY, e.g. privileged=off");
      }
      options =
          options.withOverride(
              rule.substring(0, eq), severity(rule.substring(eq + 1), "--rule " + rule));
    }
    String failOn = ns.getString("fail_on");
    if (failOn != null) {
      options = options.withFailOn(severity(failOn, "--fail-on"));
    }
    VerifyReport report =
        Verifier.verify(
            p, readEnvExample(cli, p, envExample == null ? null : Path.of(envExample)), options);
    Tool tool = Tool.selvedge(Version.current());
    String out =
        switch (ns.getString("format")) {
          case "json" -> EvidenceJson.write(report.toEvidence(tool, Clock.systemUTC()));
          case "sarif" ->
              SarifRenderer.render(report, tool, sourceRoot(Path.of(p.workingDir()), cli));
          default -> TextRenderer.render(report);
        };
    cli.out().print(out.endsWith("\n") ? out : out + "\n");
    return report.passed() ? ExitCode.OK : ExitCode.FINDINGS;
  }

  /**
   * Where SARIF locations start: the top of the Git work tree holding the project directory (what a
   * code-scanning service resolves paths against), else the working directory.
   */
  static Path sourceRoot(Path projectDir, Cli cli) {
    for (Path d = projectDir; d != null; d = d.getParent()) {
      if (Files.exists(d.resolve(".git"))) {
        return d;
      }
    }
    return cli.workingDir();
  }

  /** The project's .env.example (or the given file); absent when there is none by default. */
  static EnvExample readEnvExample(Cli cli, Project p, Path envExample) {
    if (envExample == null) {
      return EnvExample.forProject(p);
    }
    Path file = cli.workingDir().resolve(envExample);
    EnvExample example = EnvExample.read(file);
    if (!example.present()) {
      throw new SelvedgeException(file + ": not found; check the --env-example path");
    }
    return example;
  }

  private static Severity severity(String value, String where) {
    try {
      return Severity.parse(value);
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException(where + ": " + e.getMessage(), e);
    }
  }
}
