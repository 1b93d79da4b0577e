package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.Version;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selvedge verify}: static policy rules over the rendered contract. */
@Command(
    name = "verify",
    description = {
      "Check the contract and its .env.example against the policy rules; no host needed.",
      "Exit 0 when no finding reaches the failing severity, 1 when one does, 2 when the input"
          + " cannot be read."
    })
final class VerifyCommand implements Callable<Integer> {
  @Mixin ProjectOptions project;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text (default), json (the evidence report) or sarif (SARIF 2.1.0)")
  Format format = Format.text;

  @Option(
      names = "--rule",
      paramLabel = "ID=SEVERITY",
      description = "Override a rule's severity for this run (off, note, warning, error)")
  Map<String, String> rules = new LinkedHashMap<>();

  @Option(
      names = "--fail-on",
      paramLabel = "SEVERITY",
      description = "Lowest severity that fails the run (default: the policy's, else error)")
  String failOn;

  @Option(
      names = "--env-example",
      paramLabel = "FILE",
      description = "Declared variables (default: .env.example in the project directory)")
  Path envExample;

  enum Format {
    text,
    json,
    sarif
  }

  private final Cli cli;

  VerifyCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Project p = project.load(cli.environment(), cli.workingDir());
    cli.warn(p.warnings());
    VerifyOptions options = VerifyOptions.DEFAULTS;
    for (Map.Entry<String, String> r : rules.entrySet()) {
      options = options.withOverride(r.getKey(), severity(r.getValue(), "--rule " + r.getKey()));
    }
    if (failOn != null) {
      options = options.withFailOn(severity(failOn, "--fail-on"));
    }
    VerifyReport report = Verifier.verify(p, readEnvExample(p), options);
    Tool tool = Tool.selvedge(Version.current());
    String out =
        switch (format) {
          case text -> TextRenderer.render(report);
          case json -> EvidenceJson.write(report.toEvidence(tool, Clock.systemUTC()));
          case sarif -> SarifRenderer.render(report, tool);
        };
    cli.out().print(out.endsWith("\n") ? out : out + "\n");
    cli.out().flush();
    return report.passed() ? ExitCode.OK : ExitCode.FINDINGS;
  }

  private EnvExample readEnvExample(Project p) {
    Path file =
        envExample != null
            ? cli.workingDir().resolve(envExample)
            : Path.of(p.workingDir()).resolve(".env.example");
    if (!Files.isRegularFile(file)) {
      if (envExample != null) {
        throw new SelvedgeException(file + ": not found; check the --env-example path");
      }
      return EnvExample.absent(file.toString());
    }
    try {
      return EnvExample.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SelvedgeException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static Severity severity(String value, String where) {
    try {
      return Severity.parse(value);
    } catch (IllegalArgumentException e) {
      throw new SelvedgeException(where + ": " + e.getMessage(), e);
    }
  }
}
