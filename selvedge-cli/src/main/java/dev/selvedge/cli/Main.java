package dev.selvedge.cli;

import dev.selvedge.SelvedgeException;
import dev.selvedge.Version;
import dev.selvedge.contract.SecretValues;
import dev.selvedge.contract.Secrets;
import dev.selvedge.operations.Guarded;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import net.sourceforge.argparse4j.ArgumentParserBuilder;
import net.sourceforge.argparse4j.ArgumentParsers;
import net.sourceforge.argparse4j.helper.HelpScreenException;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Argument;
import net.sourceforge.argparse4j.inf.ArgumentAction;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

/**
 * Entry point of the selvedge jar and the composition root of the CLI: every command is built here
 * with plain constructors.
 */
public final class Main {
  static final String EXIT_CODES =
      """
      exit codes:
        0  success: the contract is valid, the check passed
        1  the check ran and failed (findings at the failing severity)
        2  the input could not be read, or the command line is wrong
        3  internal error (a bug: please report it)""";

  private Main() {}

  public static void main(String[] args) {
    PrintWriter out =
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
    PrintWriter err =
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code =
        run(new Cli(out, err, System.getenv(), Path.of("").toAbsolutePath(), System.in), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  static List<Command> commands(Cli cli) {
    return List.of(
        new ConfigCommand(cli),
        new VerifyCommand(cli),
        new LiveCommand(cli, LiveCommand.View.STATUS),
        new LiveCommand(cli, LiveCommand.View.DRIFT),
        new LogsCommand(cli),
        new OperateCommand(cli, OperateCommand.Kind.PLAN),
        new OperateCommand(cli, OperateCommand.Kind.APPLY),
        new OperateCommand(cli, OperateCommand.Kind.ROLLBACK),
        new HistoryCommand(cli),
        new GuardCommand(cli, Guarded.Verb.RESTART),
        new GuardCommand(cli, Guarded.Verb.STOP),
        new GuardCommand(cli, Guarded.Verb.START),
        new GuardCommand(cli, null),
        new ProbeCommand(cli),
        new FleetCommand(cli),
        new ParityCommand(cli),
        new RolloutCommand(cli),
        new ServeCommand(cli),
        new KeysCommand(cli),
        new AuditCommand(cli),
        new TrainCommand(cli));
  }

  /**
   * argparse4j's own terminal width detection runs {@code stty} in child processes on every start
   * (a few milliseconds each time); help is wrapped to {@code COLUMNS} instead, 80 when unset.
   */
  static ArgumentParserBuilder parserFor(String program, Cli cli) {
    int width = 80;
    String columns = cli.environment().get("COLUMNS");
    if (columns != null && columns.matches("[1-9][0-9]{1,3}")) {
      width = Integer.parseInt(columns);
    }
    return ArgumentParsers.newFor(program).terminalWidthDetection(false).defaultFormatWidth(width);
  }

  /** Runs one command line; returns the exit code. */
  static int run(Cli cli, String... args) {
    try {
      return dispatch(cli, args);
    } finally {
      cli.out().flush();
      cli.err().flush();
    }
  }

  private static int dispatch(Cli cli, String... args) {
    ArgumentParser parser =
        parserFor("selvedge", cli)
            .addHelp(false)
            .build()
            .description(
                "Keeps Docker Compose stacks true to the contract their repository declares.")
            .epilog(EXIT_CODES);
    parser.addArgument("-h", "--help").action(Arguments.storeTrue()).help("show this help");
    parser.addArgument("-V", "--version").action(Arguments.storeTrue()).help("print the version");
    Subparsers subs = parser.addSubparsers().dest("command").metavar("COMMAND").title("commands");
    Map<String, Command> byName = new LinkedHashMap<>();
    List<Command> commands = commands(cli);
    // Only the command being run gets its options (all of them when none is named), so a short
    // command does not build the parsers of the other fourteen.
    boolean named = args.length > 0 && commands.stream().anyMatch(c -> c.name().equals(args[0]));
    for (Command c : commands) {
      Subparser sp = subs.addParser(c.name(), false).epilog(EXIT_CODES);
      if (c.hidden()) {
        sp.help(Arguments.SUPPRESS);
      } else {
        sp.help(c.summary());
      }
      // Answered while parsing, before the check for missing positionals: `logs --help` must not
      // fail for want of a SERVICE.
      sp.addArgument("-h", "--help").action(new HelpAction(cli.out())).help("show this help");
      if (!named || c.name().equals(args[0])) {
        c.configure(sp);
      }
      byName.put(c.name(), c);
    }
    // A subcommand is required, so the global flags are answered before parsing.
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
      parser.printHelp(cli.out());
      return args.length == 0 ? ExitCode.INPUT : ExitCode.OK;
    }
    if (args[0].equals("__repeat")) {
      return Repeat.run(cli, java.util.Arrays.copyOfRange(args, 1, args.length));
    }
    if (args[0].equals("-V") || args[0].equals("--version")) {
      cli.out().println("selvedge " + Version.current());
      return ExitCode.OK;
    }
    if (!args[0].startsWith("-") && !byName.containsKey(args[0])) {
      // argparse4j's own message lists the hidden commands too.
      cli.err()
          .println(
              "selvedge: unknown command '"
                  + args[0]
                  + "'; the commands are "
                  + String.join(
                      ", ", commands.stream().filter(c -> !c.hidden()).map(Command::name).toList())
                  + " (selvedge --help)");
      return ExitCode.INPUT;
    }
    Namespace ns;
    try {
      ns = parser.parseArgs(args);
    } catch (HelpScreenException e) {
      return ExitCode.OK;
    } catch (ArgumentParserException e) {
      cli.err().println("selvedge: " + e.getMessage());
      e.getParser().printUsage(cli.err());
      return ExitCode.INPUT;
    }
    String name = ns.getString("command");
    try {
      return byName.get(name).run(ns);
    } catch (SelvedgeException e) {
      // Errors about the contract are scrubbed where they arise; a URL's password is a secret in
      // any message, from whatever layer.
      cli.err().println("selvedge: " + Secrets.maskUrlPasswords(e.getMessage(), SecretValues.MASK));
      return ExitCode.INPUT;
    } catch (RuntimeException e) {
      cli.err().println("selvedge: internal error: " + e);
      if (cli.environment().containsKey("SELVEDGE_DEBUG")) {
        e.printStackTrace(cli.err());
      } else {
        cli.err().println("(set SELVEDGE_DEBUG=1 for the stack trace)");
      }
      return ExitCode.INTERNAL;
    }
  }

  /**
   * argparse4j's own help action prints to {@code System.out}; this one prints to the command's
   * stream, then ends parsing as that one does.
   */
  private record HelpAction(PrintWriter out) implements ArgumentAction {
    @Override
    public void run(
        ArgumentParser parser,
        Argument arg,
        Map<String, Object> attrs,
        String flag,
        Object value,
        Consumer<Object> valueSetter)
        throws ArgumentParserException {
      parser.printHelp(out);
      throw new HelpScreenException(parser);
    }

    /** Still abstract in argparse4j 0.9, which calls the form above. */
    @Override
    @Deprecated
    public void run(
        ArgumentParser parser, Argument arg, Map<String, Object> attrs, String flag, Object value)
        throws ArgumentParserException {
      run(parser, arg, attrs, flag, value, null);
    }

    @Override
    public void onAttach(Argument arg) {}

    @Override
    public boolean consumeArgument() {
      return false;
    }
  }
}
