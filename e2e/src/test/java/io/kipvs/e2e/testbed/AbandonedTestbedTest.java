package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A test JVM that dies by SIGKILL cannot clean up: its nodes and switches must end by themselves
 * (their console or control pipe closes), and the next testbed removes its run folder.
 */
class AbandonedTestbedTest {

  @Test
  void processesOfAKilledJvmEndByThemselvesAndItsFolderGoesWithTheNextTestbed() throws Exception {
    Path base = Path.of("target", "testbed-abandoned").toAbsolutePath();
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                AbandonedTestbedMain.class.getName(),
                base.toString())
            .redirectErrorStream(true)
            .start();
    List<Long> pids = new ArrayList<>();
    Path runDir;
    try {
      List<String> lines = readUntilReady(jvm, Duration.ofSeconds(90));
      runDir = Path.of(value(lines, "RUN "));
      List<Long> recorded =
          Arrays.stream(value(lines, "PIDS ").split(" ")).map(Long::valueOf).toList();
      // The record also holds short-lived helpers a kernel forked and reaped by itself; what must
      // end with the JVM is what still runs when it dies: at least a node, slirp and a switch.
      pids.addAll(HostProcesses.alive(recorded));
      assertThat(pids).hasSizeGreaterThanOrEqualTo(3);
    } finally {
      jvm.destroyForcibly();
      jvm.waitFor(30, TimeUnit.SECONDS);
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!HostProcesses.alive(pids).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    List<Long> survivors = HostProcesses.alive(pids);
    try {
      assertThat(survivors).as(HostProcesses.describe(survivors)).isEmpty();
    } finally {
      // Never leave them behind, even when the assertion failed.
      survivors.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
    assertThat(runDir).exists();

    try (Testbed next = Testbed.create(base)) {
      assertThat(runDir).doesNotExist();
      assertThat(next.runDir()).exists();
    }
  }

  private static List<String> readUntilReady(Process jvm, Duration timeout) throws Exception {
    CompletableFuture<List<String>> ready =
        CompletableFuture.supplyAsync(
            () -> {
              List<String> lines = new ArrayList<>();
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                  if (line.equals("READY")) {
                    return lines;
                  }
                }
              } catch (IOException e) {
                lines.add(e.toString());
              }
              throw new IllegalStateException("the JVM ended early; it printed:\n" + lines);
            });
    return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String value(List<String> lines, String prefix) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + prefix + "...' in " + lines));
  }
}
