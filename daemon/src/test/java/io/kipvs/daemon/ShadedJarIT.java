package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the shaded jar as users do: java -jar daemon-...-all.jar (after mvn package). */
class ShadedJarIT {
  record Outcome(int exitCode, String out, String err) {}

  @TempDir Path dir;

  private Outcome runJar(String... args) throws Exception {
    Path jar = Path.of(System.getProperty("kipvs.jar"));
    assertThat(jar).exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the jar did not exit within 60 s");
    }
    return new Outcome(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void iptablesModeExits2WithTheMessage() throws Exception {
    Outcome outcome = runJar("--mode=iptables");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("only supports the ipvs proxy mode");
  }

  @Test
  void helpWorks() throws Exception {
    Outcome outcome = runJar("--help");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out()).contains("Usage: kipvs").contains("--ipvs-scheduler");
  }

  @Test
  void versionIsTheProjects() throws Exception {
    Outcome outcome = runJar("--version");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out().strip()).matches("kipvs \\d+\\.\\d+\\.\\d+.*");
  }

  /**
   * Logging goes through our logback.xml inside the jar, to stderr. --init-only with every
   * conntrack setting at 0 touches no kernel file, so this is safe on any machine.
   */
  @Test
  void initOnlyWithNothingToDoLogsAndExits0() throws Exception {
    Outcome outcome =
        runJar(
            "--init-only",
            "--conntrack-max-per-core=0",
            "--conntrack-tcp-timeout-established=0",
            "--conntrack-tcp-timeout-close-wait=0s",
            "--feature-gates=Foo=true",
            "--hostname-override=node-1");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.err())
        .contains("INFO  [main] io.kipvs.daemon.Main: ignoring kube-proxy settings")
        .contains("--feature-gates")
        .contains("conntrack settings already as configured")
        .doesNotContain("SLF4J");
  }
}
