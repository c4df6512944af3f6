package io.kipvs.e2e.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon as a process in one node against the mock API server: what it programs, how it repairs
 * drift, that a restart changes nothing, and that --cleanup removes everything it made.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonOnNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final String VIP = "10.96.0.10";
  private static final Duration SYNC_PERIOD = Duration.ofSeconds(5);
  private static final Duration CONVERGE = Duration.ofSeconds(30);

  static ApiServer api;
  static Node node;
  static Workloads k8s;
  static KipvsDaemon daemon;
  static Pod a;
  static Pod b;

  @BeforeAll
  static void boot() {
    api = ApiServer.start();
    node = testbed.startNode(NodeOptions.named("kipvs").withHostLink());
    a = node.addPod("web-a");
    b = node.addPod("web-b");
    k8s = new Workloads(api::client);
    k8s.node(node, "zone-a");
    k8s.clusterIpService("web", VIP, 80);
    k8s.httpEndpoints("web", List.of(a, b));
    daemon =
        KipvsDaemon.start(
            node,
            KipvsDaemon.daemonSetArgs(
                node, api, "--ipvs-sync-period=" + SYNC_PERIOD.toSeconds() + "s"));
    daemon.awaitHealthy(Duration.ofSeconds(120));
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  @Order(1)
  void servicesAppearInIpvsAndOnKubeIpvs0AndCarryTraffic() {
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node.run("ipvsadm -Sn"))
                    .contains("-A -t " + VIP + ":80 -s rr")
                    .contains("-a -t " + VIP + ":80 -r " + a.ip() + ":8080 -m -w 1")
                    .contains("-a -t " + VIP + ":80 -r " + b.ip() + ":8080 -m -w 1"));
    assertThat(node.run("ip -o addr show dev kube-ipvs0")).contains(VIP + "/32");

    Map<String, Integer> answers = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      answers.merge(node.run("curl -s --max-time 5 http://" + VIP + "/").strip(), 1, Integer::sum);
    }
    assertThat(answers).containsOnly(Map.entry("web-a", 3), Map.entry("web-b", 3));
  }

  @Test
  @Order(2)
  void driftMadeByHandIsRepairedWithinTheSyncPeriod() {
    // The daemon is stopped while the drift is made and read back: a periodic sync did run
    // between the commands on a loaded node, even when they were one shell line.
    long pid = daemon.process().pid();
    assertThat(
            node.run(
                "kill -STOP "
                    + pid
                    + "; ipvsadm -D -t "
                    + VIP
                    + ":80; ipvsadm -A -t 10.96.0.99:80 -s rr; drifted=$(ipvsadm -Sn); kill -CONT "
                    + pid
                    + "; echo \"$drifted\""))
        .doesNotContain("-A -t " + VIP + ":80")
        .contains("-A -t 10.96.0.99:80");

    await()
        .atMost(SYNC_PERIOD.multipliedBy(2).plusSeconds(5))
        .untilAsserted(
            () ->
                assertThat(node.run("ipvsadm -Sn"))
                    .contains("-A -t " + VIP + ":80 -s rr")
                    .contains("-a -t " + VIP + ":80 -r " + a.ip() + ":8080 -m -w 1")
                    .contains("-a -t " + VIP + ":80 -r " + b.ip() + ":8080 -m -w 1")
                    .doesNotContain("10.96.0.99"));
  }

  @Test
  @Order(3)
  void aRestartChangesNothingInTheKernel() {
    String before = kernelState();
    daemon.kill();
    assertThat(node.run("ipvsadm -Sn")).contains("-A -t " + VIP + ":80 -s rr");
    daemon.restart();
    daemon.awaitHealthy(Duration.ofSeconds(120));
    assertThat(kernelState()).isEqualTo(before);
  }

  @Test
  @Order(4)
  void sigtermLeavesRulesAndCleanupRemovesEverythingTwice() {
    // 143 = 128 + SIGTERM: the JVM's exit after its shutdown hooks ran, as for kube-proxy.
    assertThat(daemon.terminate(Duration.ofSeconds(30))).isEqualTo(143);
    assertThat(node.run("ipvsadm -Sn")).contains("-A -t " + VIP + ":80 -s rr");

    for (int run = 1; run <= 2; run++) {
      var cleanup = node.startJava(List.of(), KipvsDaemon.MAIN_CLASS, List.of("--cleanup"));
      assertThat(cleanup.awaitExit(Duration.ofSeconds(90)))
          .as("--cleanup run %d exit code; log:\n%s", run, cleanup.log())
          .isZero();
    }
    assertThat(node.run("ipvsadm -Sn").strip()).isEmpty();
    assertThat(node.exec("ip link show kube-ipvs0").exitCode()).isNotZero();
    assertThat(node.run("ipset list -n")).doesNotContain("KUBE-");
    assertThat(node.run("iptables-save")).doesNotContain("KUBE-");
  }

  /** IPVS table, kube-ipvs0 addresses, ipsets and iptables rules, without counters. */
  private static String kernelState() {
    return String.join(
        "\n---\n",
        node.run("ipvsadm -Sn"),
        node.run("ip -o addr show dev kube-ipvs0 | awk '{print $4}' | sort"),
        node.run("ipset save | sort"),
        node.run("iptables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]//' | sort"));
  }
}
