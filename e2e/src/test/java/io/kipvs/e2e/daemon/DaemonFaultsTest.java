package io.kipvs.e2e.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The daemon's promised errors on kernels that cannot do what it is asked. */
class DaemonFaultsTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static ApiServer api;

  @BeforeAll
  static void startApi() {
    api = ApiServer.start();
  }

  @AfterAll
  static void stopApi() {
    api.close();
  }

  @Test
  void aKernelWithoutIpvsExitsOneSayingSo() {
    Node node = testbed.startNode(NodeOptions.named("noipvs").withoutIpvs().withHostLink());
    JavaProcess daemon = KipvsDaemon.start(node, KipvsDaemon.daemonSetArgs(node, api)).process();

    assertThat(daemon.awaitExit(Duration.ofSeconds(90))).as(daemon.log()).isEqualTo(1);
    assertThat(daemon.log()).contains("IPVS").contains("ip_vs");
  }

  @Test
  void aSchedulerTheKernelLacksIsAnErrorNamingIt() {
    Node node = testbed.startNode(NodeOptions.named("notwos").withHostLink());
    // "twos" is a scheduler kipvs knows, but this 6.1 kernel does not ship ip_vs_twos.
    assertThat(node.exec("modprobe -d /run/mods ip_vs_twos").exitCode()).isNotZero();
    JavaProcess daemon =
        KipvsDaemon.start(node, KipvsDaemon.daemonSetArgs(node, api, "--ipvs-scheduler=twos"))
            .process();

    assertThat(daemon.awaitExit(Duration.ofSeconds(90))).as(daemon.log()).isNotZero();
    assertThat(daemon.log()).contains("twos");
    assertThat(node.run("ipvsadm -Sn").strip()).as("the probe service is gone").isEmpty();
  }
}
