package io.kipvs.daemon.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a program with an argument list (never a shell), feeds it an input and collects its output.
 * ipset, iptables-restore, iptables-save and conntrack go through here.
 */
public final class CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  private static final long TIMEOUT_SECONDS = 120;
  private static final Path SELF_STAT = Path.of("/proc/self/stat");
  // USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture kube-proxy runs on.
  private static final long MILLIS_PER_TICK = 10;

  /** What a finished program left. exitCode is -1 when it could not be started. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }

    String describe() {
      return String.join(" ", command)
          + " exited "
          + exitCode
          + (stderr.isBlank() ? "" : ": " + stderr.strip());
    }
  }

  @Inject
  public CommandRunner() {}

  Result run(List<String> command, String input) {
    if (!LOG.isDebugEnabled()) {
      return execute(command, input);
    }
    long children = childCpuMillis();
    long start = System.nanoTime();
    Result r = execute(command, input);
    long childrenAfter = childCpuMillis();
    // The children's CPU counts once the JVM has reaped them, which waitFor waits for. Commands run
    // by other threads meanwhile count too (rare: the sync thread runs nearly all of them).
    LOG.debug(
        "{} took {} ms (exit {}, {} characters in, {} out; child CPU {} ms)",
        String.join(" ", command),
        (System.nanoTime() - start) / 1_000_000,
        r.exitCode(),
        input.length(),
        r.stdout().length(),
        children < 0 || childrenAfter < 0 ? "unknown" : childrenAfter - children);
    return r;
  }

  private Result execute(List<String> command, String input) {
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      return new Result(command, -1, "", "cannot run " + command.get(0) + ": " + e.getMessage());
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The program exited without reading all its input; its exit code and stderr say why.
    }
    try {
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(command, -1, "", "timed out after " + TIMEOUT_SECONDS + " s");
      }
      return new Result(command, process.exitValue(), out.join(), err.join());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(command, -1, "", "interrupted");
    }
  }

  boolean exists(String program) {
    for (String dir :
        System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (new java.io.File(dir, program).canExecute()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The CPU (user and system) of this process's reaped children so far: cutime and cstime, fields
   * 16 and 17 of /proc/self/stat; -1 where there is no such file.
   */
  private static long childCpuMillis() {
    try {
      String stat = Files.readString(SELF_STAT);
      // Fields after "pid (comm) ": state is field 3, so cutime (16) is index 13.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * MILLIS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }
}
