package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A node booted without the IPVS modules, for "kernel without IPVS" cases. */
class NodeWithoutIpvsTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static Node node;

  @BeforeAll
  static void boot() {
    node = testbed.startNode(NodeOptions.named("noipvs1").withoutIpvs());
  }

  @Test
  void hasNoIpvsAndCannotLoadIt() {
    ExecResult ipvsadm = node.exec("ipvsadm -Ln");

    assertThat(ipvsadm.exitCode()).as(ipvsadm.toString()).isNotZero();
    assertThat(node.exec("test -e /proc/net/ip_vs").succeeded()).isFalse();
    assertThat(node.run("cut -d' ' -f1 /proc/modules").lines()).doesNotContain("ip_vs");
  }

  @Test
  void hasTheOtherModules() {
    assertThat(node.run("cut -d' ' -f1 /proc/modules").lines())
        .contains("dummy", "veth", "nf_conntrack", "ip_set", "iptable_nat");
  }
}
