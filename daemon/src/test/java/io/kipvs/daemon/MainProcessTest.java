package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the daemon's main class as a real process and checks its exit code and output. */
class MainProcessTest {
  record Outcome(int exitCode, String out, String err) {}

  @TempDir Path dir;

  private Outcome run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
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
      throw new AssertionError("kipvs did not exit within 60 s: " + command);
    }
    return new Outcome(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void otherModesExit2SayingOnlyIpvs() throws Exception {
    Outcome outcome = run("--mode=iptables");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err())
        .contains("kipvs: invalid value \"iptables\" for flag --mode")
        .contains("only supports the ipvs proxy mode");
  }

  @Test
  void unknownSchedulerExits2NamingIt() throws Exception {
    Outcome outcome = run("--proxy-mode", "ipvs", "--ipvs-scheduler=fast");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("\"fast\"").contains("--ipvs-scheduler");
  }

  @Test
  void misspeltConfigFieldExits2NamingIt() throws Exception {
    Path config = dir.resolve("config.conf");
    Files.writeString(
        config,
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
            + "kind: KubeProxyConfiguration\n"
            + "ipvs:\n  sheduler: rr\n");
    Outcome outcome = run("--config=" + config);
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err())
        .contains("unknown field \"ipvs.sheduler\"")
        .contains(config.toString());
  }

  @Test
  void helpExits0() throws Exception {
    Outcome outcome = run("--help");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out()).contains("--ipvs-scheduler").contains("--config");
    assertThat(outcome.err()).isEmpty();
  }

  @Test
  void versionExits0() throws Exception {
    Outcome outcome = run("--version");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out()).startsWith("kipvs ");
  }
}
