package io.kipvs.e2e.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * A {@code uml_switch}: one Ethernet segment that nodes join as {@code eth1}. It runs under a small
 * shell that ends it when its standard input closes, so even a test JVM killed with SIGKILL leaves
 * no switch behind.
 */
final class UmlSwitch {
  private final Path socket;
  private final Process process;

  private UmlSwitch(Path socket, Process process) {
    this.socket = socket;
    this.process = process;
  }

  static UmlSwitch start(Path socket, Path log) {
    if (socket.toString().length() > 100) {
      throw new IllegalArgumentException(
          "switch socket path " + socket + " is too long for a UNIX socket (max ~107 bytes)");
    }
    try {
      Process process =
          new ProcessBuilder(
                  "setsid",
                  "sh",
                  "-c",
                  "uml_switch -unix \"$0\" </dev/null & read -r _; kill $!",
                  socket.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      UmlSwitch umlSwitch = new UmlSwitch(socket, process);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!Files.exists(socket)) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          umlSwitch.stop();
          throw new NodeFailedException(
              "uml_switch did not create " + socket + "; its log:\n" + Files.readString(log));
        }
        Thread.sleep(20);
      }
      return umlSwitch;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start uml_switch (package uml-utilities)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailedException("interrupted while starting uml_switch", e);
    }
  }

  Path socket() {
    return socket;
  }

  Set<Long> hostPids() {
    return process.isAlive() ? HostProcesses.tree(process.toHandle()) : Set.of();
  }

  /** Ends the switch and its shell; returns the PIDs it ended. */
  Set<Long> stop() {
    Set<Long> ended = HostProcesses.killGroupAndTree(process.toHandle(), Duration.ofSeconds(10));
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // the run folder goes away as a whole
    }
    return ended;
  }
}
