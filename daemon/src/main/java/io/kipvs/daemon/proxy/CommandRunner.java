package io.kipvs.daemon.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;

/**
 * Runs a program with an argument list (never a shell), feeds it an input and collects its output.
 * ipset, iptables-restore, iptables-save and conntrack go through here.
 */
public final class CommandRunner {
  private static final long TIMEOUT_SECONDS = 120;

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
