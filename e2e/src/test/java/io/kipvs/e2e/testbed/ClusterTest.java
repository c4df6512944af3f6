package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.cluster.Traffic;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two nodes on one switch, with a pod network between them. */
class ClusterTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static Node node1;
  static Node node2;

  @BeforeAll
  static void boot() {
    List<Node> nodes = testbed.startCluster(2, NodeOptions.named("cl"));
    node1 = nodes.get(0);
    node2 = nodes.get(1);
  }

  @Test
  void nodesHaveTheirOwnPodCidrAndSwitchAddress() {
    assertThat(node1.name()).isEqualTo("cl1");
    assertThat(node2.name()).isEqualTo("cl2");
    assertThat(node1.podCidr()).isEqualTo("10.244." + node1.index() + ".0/24");
    assertThat(node2.index()).isEqualTo(node1.index() + 1);
    assertThat(node2.podCidr()).isEqualTo("10.244." + node2.index() + ".0/24");
    assertThat(node2.run("ip -4 -o addr show dev eth1"))
        .contains(node2.switchAddress().orElseThrow() + "/24");
    assertThat(node1.run("busybox ping -c 1 -W 5 " + node2.switchAddress().orElseThrow()))
        .contains("1 packets received");
    assertThat(node2.switchAddress6()).contains("fd00:50::" + node2.index());
    assertThat(node2.podCidr6()).isEqualTo("fd00:244:" + node2.index() + "::/64");
    assertThat(node2.run("ip -6 -o addr show dev eth1"))
        .contains(node2.switchAddress6().orElseThrow() + "/64");
    assertThat(node1.run("cat /proc/sys/net/ipv6/conf/all/forwarding")).isEqualTo("1\n");
  }

  @Test
  void aPodOnNodeTwoAnswersARequestFromNodeOne() {
    Pod pod = node2.addPod("far");

    assertThat(node1.run("curl -s --max-time 5 http://" + pod.ip() + ":8080/")).isEqualTo("far");
  }

  @Test
  void podsOnDifferentNodesReachEachOther() {
    Pod left = node1.addPod("left");
    Pod right = node2.addPod("right");

    assertThat(left.run("curl -s --max-time 5 http://" + right.ip() + ":8080/")).isEqualTo("right");
    assertThat(right.run("curl -s --max-time 5 http://" + left.ip() + ":8080/")).isEqualTo("left");
  }

  @Test
  void podsOnDifferentNodesReachEachOtherOverIpv6AndSctp() {
    Pod left = node1.addPod("left6");
    Pod right = node2.addPod("right6");
    Traffic fromLeft = new Traffic(left::exec);
    Traffic fromRight = new Traffic(right::exec);

    assertThat(fromLeft.http(right.ip6(), Pod.HTTP_PORT, 1)).isEqualTo(Map.of("right6", 1));
    assertThat(fromRight.httpPath(left.ip6(), Pod.HTTP_PORT, Pod.CLIENT_ADDRESS_PATH, 1))
        .isEqualTo(Map.of(right.ip6(), 1));
    assertThat(fromLeft.udp(right.ip6(), Pod.UDP_PORT, 1)).isEqualTo(Map.of("right6", 1));
    assertThat(fromLeft.sctp(right.ip6(), Pod.SCTP_PORT, 1)).isEqualTo(Map.of("right6", 1));
    assertThat(fromRight.sctp(left.ip(), Pod.SCTP_PORT, 1)).isEqualTo(Map.of("left6", 1));
    assertThat(new Traffic(node1::exec).udp(right.ip6(), Pod.UDP_PORT, 1))
        .isEqualTo(Map.of("right6", 1));
  }
}
