package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the daemon's main class as a real process and checks its exit code and output. */
class MainProcessTest {

  @TempDir Path dir;

  private ProcessOutcome run(String... args) throws IOException, InterruptedException {
    List<String> javaArgs =
        new ArrayList<>(
            List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    javaArgs.addAll(List.of(args));
    return ProcessOutcome.runJava(dir, javaArgs);
  }

  @Test
  void otherModesExit2SayingOnlyIpvs() throws Exception {
    ProcessOutcome outcome = run("--mode=iptables");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err())
        .contains("kipvs: invalid value \"iptables\" for flag --mode")
        .contains("only supports the ipvs proxy mode");
  }

  @Test
  void unknownSchedulerExits2NamingIt() throws Exception {
    ProcessOutcome outcome = run("--proxy-mode", "ipvs", "--ipvs-scheduler=fast");
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
    ProcessOutcome outcome = run("--config=" + config);
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err())
        .contains("unknown field \"ipvs.sheduler\"")
        .contains(config.toString());
  }

  /**
   * --oom-score-adj is applied to the process before anything can fail: here the kubeconfig is
   * missing (exit 1) after the value was written and read back from /proc/self/oom_score_adj.
   */
  @Test
  void oomScoreAdjIsAppliedAtStart() throws Exception {
    ProcessOutcome outcome =
        run(
            "--oom-score-adj=321",
            "--healthz-bind-address=",
            "--metrics-bind-address=",
            "--kubeconfig=" + dir.resolve("missing.conf"),
            "--hostname-override=node-1");
    assertThat(outcome.exitCode()).isEqualTo(1);
    assertThat(outcome.err())
        .contains("oom_score_adj of this process is now 321 (--oom-score-adj)")
        .contains("missing.conf");
  }

  /** --logging-format=json: every line kipvs writes is one JSON object. */
  @Test
  void jsonLogLines() throws Exception {
    ProcessOutcome outcome =
        run(
            "--logging-format=json",
            "--init-only",
            "--conntrack-max-per-core=0",
            "--conntrack-tcp-timeout-established=0",
            "--conntrack-tcp-timeout-close-wait=0s",
            "--iptables-sync-period=1m",
            "--hostname-override=node-1");
    assertThat(outcome.exitCode()).isZero();
    List<String> lines = outcome.err().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    ObjectMapper json = new ObjectMapper();
    List<String> messages = new ArrayList<>();
    for (String line : lines) {
      JsonNode event = json.readTree(line);
      assertThat(event.path("level").asText()).isIn("INFO", "WARN");
      messages.add(event.path("formattedMessage").asText());
    }
    assertThat(messages)
        .contains("conntrack settings already as configured")
        .anyMatch(
            m ->
                m.startsWith(
                    "kube-proxy setting without effect: flag --iptables-sync-period: only"));
  }

  @Test
  void helpExits0() throws Exception {
    ProcessOutcome outcome = run("--help");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out()).contains("--ipvs-scheduler").contains("--config");
    assertThat(outcome.err()).isEmpty();
  }

  @Test
  void versionExits0() throws Exception {
    ProcessOutcome outcome = run("--version");
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.out()).startsWith("kipvs ");
  }
}
