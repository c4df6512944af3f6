package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.cluster.Traffic;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pods in one node, and IPVS balancing between them. */
class PodTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static Node node;
  static Pod a;
  static Pod b;

  @BeforeAll
  static void boot() {
    node = testbed.startNode("pods1");
    a = node.addPod("a");
    b = node.addPod("b");
  }

  @Test
  void podsGetAddressesOfTheNodesPodCidr() {
    assertThat(a.ip()).isEqualTo("10.244." + node.index() + ".2");
    assertThat(b.ip()).isEqualTo("10.244." + node.index() + ".3");
    assertThat(a.run("ip -4 -o addr show dev eth0")).contains(a.ip() + "/32");
  }

  @Test
  void aPodAnswersHttpWithItsName() {
    assertThat(node.run("curl -s --max-time 5 http://" + a.ip() + ":8080/")).isEqualTo("a");
  }

  @Test
  void aPodAnswersUdpWithItsName() {
    assertThat(udpRequest(b.ip())).isEqualTo("b");
  }

  @Test
  void podsReachEachOtherThroughTheNode() {
    assertThat(a.run("curl -s --max-time 5 http://" + b.ip() + ":8080/")).isEqualTo("b");
  }

  @Test
  void aPodTellsTheAddressARequestCameFrom() {
    assertThat(a.run("curl -s --max-time 5 http://" + b.ip() + ":8080" + Pod.CLIENT_ADDRESS_PATH))
        .isEqualTo(a.ip());
  }

  @Test
  void podsAreDualStackWithNoTentativeAddress() {
    assertThat(a.ip6()).isEqualTo("fd00:244:" + node.index() + "::2");
    assertThat(b.ip6()).isEqualTo("fd00:244:" + node.index() + "::3");
    assertThat(a.run("ip -6 -o addr show dev eth0")).contains(a.ip6() + "/128");
    // A tentative address (duplicate address detection under way) drops the first packets.
    assertThat(a.run("ip -6 -o addr show tentative") + node.run("ip -6 -o addr show tentative"))
        .isEmpty();
  }

  @Test
  void aPodAnswersOverIpv6AndSeesTheClientsIpv6Address() {
    Traffic fromA = new Traffic(a::exec);
    assertThat(fromA.http(b.ip6(), Pod.HTTP_PORT, 1)).isEqualTo(Map.of("b", 1));
    assertThat(fromA.httpPath(b.ip6(), Pod.HTTP_PORT, Pod.CLIENT_ADDRESS_PATH, 1))
        .isEqualTo(Map.of(a.ip6(), 1));
    assertThat(fromA.udp(b.ip6(), Pod.UDP_PORT, 2)).isEqualTo(Map.of("b", 2));
  }

  @Test
  void aPodAnswersSctpOverBothFamilies() {
    Traffic fromNode = new Traffic(node::exec);
    assertThat(fromNode.sctp(a.ip(), Pod.SCTP_PORT, 2)).isEqualTo(Map.of("a", 2));
    assertThat(fromNode.sctp(a.ip6(), Pod.SCTP_PORT, 2)).isEqualTo(Map.of("a", 2));
    // Nothing listens on another port: the association fails, and the client says so.
    assertThat(fromNode.sctp(a.ip(), 8081, 1)).isEqualTo(Map.of("!none", 1));
  }

  @Test
  void ipvsRoundRobinSpreadsSixRequestsThreeAndThree() {
    String vip = "10.96.0.10";
    node.run(
        """
        ip link add kube-ipvs0 type dummy
        ip addr add %1$s/32 dev kube-ipvs0
        ipvsadm -A -t %1$s:80 -s rr
        ipvsadm -a -t %1$s:80 -r %2$s:8080 -m
        ipvsadm -a -t %1$s:80 -r %3$s:8080 -m
        """
            .formatted(vip, a.ip(), b.ip()));
    try {
      String answers =
          node.run("for i in 1 2 3 4 5 6; do curl -s --max-time 5 http://" + vip + "/; echo; done");

      Map<String, Long> counts =
          answers
              .lines()
              .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(counts).isEqualTo(Map.of("a", 3L, "b", 3L));
    } finally {
      node.run("ipvsadm -D -t " + vip + ":80; ip link del kube-ipvs0");
    }
  }

  @Test
  void aReplacedPodKeepsNameAndAddressAndAnswersAgain() {
    Pod c = node.addPod("c");
    String oldIp = c.ip();
    node.run("curl -s --max-time 5 http://" + c.ip() + ":8080/");

    Pod replaced = c.replace();

    assertThat(replaced.ip()).isEqualTo(oldIp);
    assertThat(node.run("curl -s --max-time 5 http://" + replaced.ip() + ":8080/")).isEqualTo("c");
    assertThat(node.pods()).extracting(Pod::name).containsExactly("a", "b", "c");
    replaced.delete();
    assertThat(node.run("ip netns list")).doesNotContain("c");
    assertThat(node.exec("curl -s --max-time 2 http://" + oldIp + ":8080/").succeeded()).isFalse();
  }

  /** Sends one UDP datagram from the node and prints the answer, with a deadline. */
  static String udpRequest(String ip) {
    return node.run(
        "perl -MIO::Socket::INET -e '"
            + "my $s = IO::Socket::INET->new(PeerAddr => \"%s:%d\", Proto => \"udp\") or die $!;"
                .formatted(ip, Pod.UDP_PORT)
            + "$s->send(\"hi\"); local $SIG{ALRM} = sub { die \"no answer\\n\" }; alarm 5;"
            + "$s->recv(my $m, 1000); print $m'");
  }
}
