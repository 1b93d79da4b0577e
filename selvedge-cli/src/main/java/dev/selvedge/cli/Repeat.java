package dev.selvedge.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Arrays;

/**
 * Hidden {@code selvedge __repeat [--runs N] [--warmup N] COMMAND ...}, for benchmarks: runs
 * another command many times in this one JVM, output discarded, and prints the wall time — how a
 * long-running server performs the same work warm. Parsed by hand because everything after the
 * options belongs to the repeated command.
 */
final class Repeat {
  private Repeat() {}

  static int run(Cli cli, String[] args) {
    int runs = 30;
    int warmup = 10;
    int i = 0;
    try {
      for (; i + 1 < args.length && args[i].startsWith("--"); i += 2) {
        switch (args[i]) {
          case "--runs" -> runs = Integer.parseInt(args[i + 1]);
          case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
          default -> throw new IllegalArgumentException(args[i]);
        }
      }
    } catch (IllegalArgumentException e) {
      cli.err()
          .println("selvedge: __repeat [--runs N] [--warmup N] COMMAND ...: " + e.getMessage());
      return ExitCode.INPUT;
    }
    String[] command = Arrays.copyOfRange(args, i, args.length);
    if (command.length == 0 || runs < 1) {
      cli.err().println("selvedge: __repeat needs a command to run");
      return ExitCode.INPUT;
    }
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    Cli quiet = new Cli(sink, sink, cli.environment(), cli.workingDir());
    int code = 0;
    double[] ms = new double[runs];
    double cpuMs;
    // As a server would: one engine client, its connections kept alive, across the runs.
    LiveCommand.KeptEngines engines = LiveCommand.keepEngines(cli.environment());
    try {
      for (int w = 0; w < warmup; w++) {
        code = Main.run(quiet, command);
      }
      long cpu = cpuNanos();
      for (int r = 0; r < runs; r++) {
        long t = System.nanoTime();
        code = Main.run(quiet, command);
        ms[r] = (System.nanoTime() - t) / 1e6;
      }
      // CPU time of the whole process (all threads, JIT included), a mean per run since the clock
      // ticks in 10 ms steps: on a shared machine it moves less than wall time does.
      cpuMs = (cpuNanos() - cpu) / 1e6 / runs;
    } finally {
      engines.close();
    }
    Arrays.sort(ms);
    cli.out()
        .printf(
            "runs=%d median_ms=%.2f min_ms=%.2f max_ms=%.2f cpu_mean_ms=%.2f exit=%d%n",
            runs, ms[runs / 2], ms[0], ms[runs - 1], cpuMs, code);
    return ExitCode.OK;
  }

  private static long cpuNanos() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .map(java.time.Duration::toNanos)
        .orElse(0L);
  }
}
