package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the shaded jar as users do: java -jar daemon-...-all.jar (after mvn package). */
class ShadedJarIT {

  @TempDir Path dir;

  private ProcessOutcome runJar(String... args) throws Exception {
    Path jar = Path.of(System.getProperty("kipvs.jar"));
    assertThat(jar).exists();
    List<String> javaArgs = new ArrayList<>(List.of("-jar", jar.toString()));
    javaArgs.addAll(List.of(args));
    return ProcessOutcome.runJava(dir, javaArgs);
  }

  @Test
  void iptablesModeExits2WithTheMessage() throws Exception {
    ProcessOutcome outcome = runJar("--mode=iptables");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("only supports the ipvs proxy mode");
  }

  @Test
  void helpWorks() throws Exception {
    ProcessOutcome outcome = runJar("--help");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out()).contains("Usage: kipvs").contains("--ipvs-scheduler");
  }

  @Test
  void versionIsTheProjects() throws Exception {
    ProcessOutcome outcome = runJar("--version");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out().strip()).matches("kipvs \\d+\\.\\d+\\.\\d+.*");
  }

  /**
   * The image's recipe for class-data sharing (Dockerfile): the archive dumped from classes.lst
   * with {@code -cp} the jar is the one {@code java -jar} maps; with {@code -Xshare:on} the JVM
   * would rather fail than start without it.
   */
  @Test
  void theArchiveMadeFromTheClassListHoldsTheDaemonsClasses() throws Exception {
    Path jar = Path.of(System.getProperty("kipvs.jar"));
    Path list = dir.resolve("classes.lst");
    try (var in = Main.class.getResourceAsStream("classes.lst")) {
      java.nio.file.Files.copy(in, list);
    }
    Path archive = dir.resolve("kipvs.jsa");
    ProcessOutcome dump =
        ProcessOutcome.runJava(
            dir,
            List.of(
                "-Xshare:dump",
                "-XX:SharedClassListFile=" + list,
                "-XX:SharedArchiveFile=" + archive,
                "-cp",
                jar.toString()));
    assertThat(dump.exitCode()).as(dump.out() + dump.err()).isZero();

    ProcessOutcome outcome =
        ProcessOutcome.runJava(
            dir,
            List.of(
                "-Xshare:on",
                "-XX:SharedArchiveFile=" + archive,
                "-Xlog:class+load=info",
                "-jar",
                jar.toString(),
                "--version"));
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out())
        .contains("io.kipvs.daemon.Main source: shared objects file")
        .contains("io.kipvs.daemon.config.CommandLineParser source: shared objects file");
  }

  /**
   * Logging goes through our LogbackConfigurator inside the jar (found through META-INF/services),
   * to stderr. --init-only with every conntrack setting at 0 touches no kernel file, so this is
   * safe on any machine.
   */
  @Test
  void initOnlyWithNothingToDoLogsAndExits0() throws Exception {
    ProcessOutcome outcome =
        runJar(
            "--init-only",
            "--conntrack-max-per-core=0",
            "--conntrack-tcp-timeout-established=0",
            "--conntrack-tcp-timeout-close-wait=0s",
            "--feature-gates=Foo=true",
            "--hostname-override=node-1");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.err())
        .contains("WARN  [main] io.kipvs.daemon.Main: kube-proxy setting not followed: flag")
        .contains("--feature-gates Foo")
        .contains("conntrack settings already as configured")
        .doesNotContain("SLF4J");
  }
}
