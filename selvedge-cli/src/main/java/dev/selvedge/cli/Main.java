package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.Version;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/** Entry point of the selvedge jar and the composition root of the CLI. */
@Command(
    name = "selvedge",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "Keeps Docker Compose stacks true to the contract their repository declares.",
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  success: the contract is valid, the check passed",
      "  1  the check ran and failed (findings at the failing severity)",
      "  2  the input could not be read, or the command line is wrong",
      "  3  internal error (a bug: please report it)"
    })
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintWriter out =
        new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
    PrintWriter err =
        new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = run(new Cli(out, err, System.getenv(), Path.of("").toAbsolutePath()), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs one command line; returns the exit code. */
  static int run(Cli cli, String... args) {
    CommandLine cmd = new CommandLine(new Main());
    cmd.addSubcommand(new ConfigCommand(cli));
    cmd.addSubcommand(new VerifyCommand(cli));
    cmd.addSubcommand(new TrainCommand(cli));
    cmd.setOut(cli.out());
    cmd.setErr(cli.err());
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof SelvedgeException) {
            cli.err().println("selvedge: " + e.getMessage());
            return ExitCode.INPUT;
          }
          cli.err().println("selvedge: internal error: " + e);
          if (cli.environment().containsKey("SELVEDGE_DEBUG")) {
            e.printStackTrace(cli.err());
          } else {
            cli.err().println("(set SELVEDGE_DEBUG=1 for the stack trace)");
          }
          return ExitCode.INTERNAL;
        });
    cmd.setParameterExceptionHandler(
        (ParameterException e, String[] a) -> {
          cli.err().println("selvedge: " + e.getMessage());
          e.getCommandLine().usage(cli.err());
          return ExitCode.INPUT;
        });
    if (args.length == 0) {
      cmd.usage(cli.out());
      cli.out().flush();
      return ExitCode.INPUT;
    }
    int code = cmd.execute(args);
    cli.out().flush();
    cli.err().flush();
    return code;
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"selvedge " + Version.current()};
    }
  }
}
