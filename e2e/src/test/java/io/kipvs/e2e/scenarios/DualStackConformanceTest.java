package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Traffic;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Upstream's SCTP and dual-stack conformance scenarios (test/e2e/network) on a three-node
 * dual-stack cluster: every node has an IPv4 and an IPv6 address on its switch, a pod CIDR per
 * family with routes between the nodes, and kipvs started with the DaemonSet's flags and both
 * cluster CIDRs. Every request is real, over the family the scenario names. Each scenario has its
 * own services (cluster IPs 10.96.160.0 - 10.96.189.255 and fd00:96::/112, node ports 32000 -
 * 32499) and pods, so the order does not matter.
 */
class DualStackConformanceTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration SYNC_PERIOD = Duration.ofSeconds(10);
  // A deadline, not a figure: the machine is shared and a node's process starts are slow.
  private static final Duration CONVERGE = Duration.ofSeconds(90);

  static ApiServer api;
  static Workloads k8s;
  static List<Node> nodes;
  static Node node1;
  static Node node2;
  static Node node3;
  static final List<KipvsDaemon> daemons = new ArrayList<>();

  @BeforeAll
  static void bootCluster() {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    nodes = testbed.startCluster(3, NodeOptions.named("ds").withHostLink());
    node1 = nodes.get(0);
    node2 = nodes.get(1);
    node3 = nodes.get(2);
    nodes.forEach(n -> k8s.dualStackNode(n, "zone-a"));
    daemons.addAll(
        KipvsDaemon.startHealthyOnEach(
            nodes,
            api,
            List.of(
                "--ipvs-sync-period=" + SYNC_PERIOD.toSeconds() + "s",
                "--cluster-cidr=10.244.0.0/16,fd00:244::/32")));
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  /**
   * Scenario 12, SCTP: an SCTP service answers over SCTP at its cluster IP, from another node and
   * from a pod (also at its IPv6 cluster IP: the service is dual-stack), and at its node port from
   * another node (upstream's "should allow creating a basic SCTP service with pod and endpoints"
   * and "should create a ClusterIP/NodePort Service with SCTP ports").
   */
  @Test
  void sctpServiceAnswersAtItsClusterIpAndNodePort() {
    Pod far2 = node2.addPod("sctp-2");
    Pod far3 = node3.addPod("sctp-3");
    Pod client = node1.addPod("sctp-client");
    Service service =
        k8s.serviceBuilder(
                "sctp", List.of("10.96.160.10", "fd00:96::d1"), Workloads.sctp(7777, Pod.SCTP_PORT))
            .build();
    service.getSpec().setType("NodePort");
    service.getSpec().getPorts().get(0).setNodePort(32000);
    k8s.apply(service);
    k8s.endpoints("sctp", "sctp", "SCTP", Pod.SCTP_PORT, List.of(far2, far3));
    k8s.endpoints6("sctp", "sctp", "SCTP", Pod.SCTP_PORT, List.of(far2, far3));

    Map<String, Integer> both = Map.of("sctp-2", 2, "sctp-3", 2);
    Traffic fromNode1 = new Traffic(node1::exec);
    await().atMost(CONVERGE).until(() -> fromNode1.sctp("10.96.160.10", 7777, 4).equals(both));
    Traffic fromPod = new Traffic(client::exec);
    assertThat(fromPod.sctp("10.96.160.10", 7777, 4)).isEqualTo(both);
    // The service is dual-stack: SCTP over IPv6 too (the secondary family's pod-Service: sctp).
    await().atMost(CONVERGE).until(() -> fromPod.sctp("fd00:96::d1", 7777, 4).equals(both));
    String node2Address = node2.switchAddress().orElseThrow();
    await().atMost(CONVERGE).until(() -> fromNode1.sctp(node2Address, 32000, 4).equals(both));
    assertThat(node1.run("ipvsadm -Sn"))
        .contains("-A --sctp-service 10.96.160.10:7777 -s rr")
        .contains("-a --sctp-service 10.96.160.10:7777 -r " + far2.ip() + ":8080 -m -w 1");
    assertThat(node1.run("ipset list KUBE-NODE-PORT-SCTP-HASH"))
        .contains(node1.switchAddress().orElseThrow() + ",sctp:32000");
  }

  /**
   * Scenario 13, dual-stack cluster IP: a RequireDualStack service answers at its IPv4 and its IPv6
   * cluster IP, over TCP and UDP, from a pod and from another node, with the endpoints of the
   * family asked; an IPv6-only service answers at its one IPv6 address. The IPv6 virtual servers,
   * kube-ipvs0's IPv6 addresses, the KUBE-6-* sets and the ip6tables rules are in place (upstream's
   * "should create a single stack/dual-stack service with cluster ip from primary/secondary
   * family", "should function for pod-Service: http/udp", "should function for node-Service:
   * http/udp").
   */
  @Test
  void dualStackAndIpv6OnlyClusterIpsAnswerOverBothFamilies() {
    Pod ds2 = node2.addPod("ds-2");
    Pod ds3 = node3.addPod("ds-3");
    Pod client = node1.addPod("ds-client");
    ServicePort http = Workloads.tcp(80, Pod.HTTP_PORT);
    ServicePort udp = Workloads.udp(53, Pod.UDP_PORT);
    k8s.apply(k8s.serviceBuilder("ds", List.of("10.96.161.10", "fd00:96::a1"), http, udp).build());
    List<Pod> pods = List.of(ds2, ds3);
    k8s.endpoints("ds", "ds", "IPv4", "http", "TCP", Pod.HTTP_PORT, endpointsOf(pods, false));
    k8s.endpoints6("ds", "http", "TCP", Pod.HTTP_PORT, pods);
    // One slice per family and port name would be the controller's; a second port in the same
    // slices would do too. Keep it to one port per slice, as the kit writes them.
    k8s.endpoints("ds", "ds-udp", "IPv4", "udp", "UDP", Pod.UDP_PORT, endpointsOf(pods, false));
    k8s.endpoints("ds", "ds-udp-v6", "IPv6", "udp", "UDP", Pod.UDP_PORT, endpointsOf(pods, true));
    k8s.apply(
        k8s.serviceBuilder("v6only", List.of("fd00:96::a2"), Workloads.tcp(80, Pod.HTTP_PORT))
            .build());
    k8s.endpoints6("v6only", "http", "TCP", Pod.HTTP_PORT, List.of(ds3));

    Map<String, Integer> both = Map.of("ds-2", 2, "ds-3", 2);
    Traffic fromPod = new Traffic(client::exec);
    Traffic fromNode1 = new Traffic(node1::exec);
    await().atMost(CONVERGE).until(() -> fromPod.http("fd00:96::a1", 80, 4).equals(both));
    await().atMost(CONVERGE).until(() -> fromPod.udp("fd00:96::a1", 53, 4).equals(both));
    assertThat(fromPod.http("10.96.161.10", 80, 4)).isEqualTo(both);
    assertThat(fromNode1.http("fd00:96::a1", 80, 4)).isEqualTo(both);
    assertThat(fromNode1.udp("fd00:96::a1", 53, 4)).isEqualTo(both);
    assertThat(fromNode1.http("10.96.161.10", 80, 4)).isEqualTo(both);
    await()
        .atMost(CONVERGE)
        .until(() -> fromPod.http("fd00:96::a2", 80, 2).equals(Map.of("ds-3", 2)));
    assertThat(fromNode1.http("fd00:96::a2", 80, 2)).isEqualTo(Map.of("ds-3", 2));

    String state =
        client
            .node()
            .run(
                "ipvsadm -Sn; echo ---; ip -6 -o addr show dev kube-ipvs0; echo ---;"
                    + " ipset list KUBE-6-CLUSTER-IP; echo ---; ip6tables-save -t nat;"
                    + " echo ---; ip6tables-save -t filter");
    assertThat(state)
        .contains("-A -t [fd00:96::a1]:80 -s rr")
        .contains("-a -t [fd00:96::a1]:80 -r [" + ds2.ip6() + "]:8080 -m -w 1")
        .contains("-a -t [fd00:96::a1]:80 -r [" + ds3.ip6() + "]:8080 -m -w 1")
        .contains("-A -u [fd00:96::a1]:53 -s rr")
        .contains("-a -t 10.96.161.10:80 -r " + ds2.ip() + ":8080 -m -w 1")
        .contains("-A -t [fd00:96::a2]:80 -s rr")
        .contains("inet6 fd00:96::a1/128")
        .contains("inet6 fd00:96::a2/128")
        .contains("fd00:96::a1,tcp:80")
        .contains("fd00:96::a1,udp:53")
        .contains("fd00:96::a2,tcp:80")
        .contains("! -s fd00:244::/32")
        .contains("--match-set KUBE-6-CLUSTER-IP dst,dst")
        .contains(
            "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\"")
        .contains("-A KUBE-IPVS-FILTER -m set --match-set KUBE-6-");
    // A pod's IPv6 request reaches the pod unmasqueraded, from the client pod's IPv6 address.
    assertThat(fromPod.httpPath("fd00:96::a2", 80, Pod.CLIENT_ADDRESS_PATH, 1))
        .as("node 1's rules:\n%s", state)
        .isEqualTo(Map.of(client.ip6(), 1));
    assertThat(fromPod.httpPath("10.96.161.10", 80, Pod.CLIENT_ADDRESS_PATH, 1))
        .isEqualTo(Map.of(client.ip(), 1));
  }

  /**
   * Scenario 13, dual-stack NodePort: a RequireDualStack NodePort service answers at every node's
   * IPv6 address, from another node, with pods on other nodes too (IPv6 masquerade), and at the
   * IPv4 address as before (upstream's "should function for node-Service: http" with the node's
   * secondary-family address, and "should be able to handle large requests"-free NodePort checks of
   * dual_stack.go).
   */
  @Test
  void dualStackNodePortAnswersAtTheNodesIpv6Addresses() {
    Pod np2 = node2.addPod("dsnp-2");
    Pod np3 = node3.addPod("dsnp-3");
    k8s.apply(nodePort("dsnp", List.of("10.96.162.10", "fd00:96::b1"), 32001, "Cluster"));
    k8s.httpEndpoints("dsnp", List.of(np2, np3));
    k8s.endpoints6("dsnp", "http", "TCP", Pod.HTTP_PORT, List.of(np2, np3));

    Map<String, Integer> both = Map.of("dsnp-2", 2, "dsnp-3", 2);
    Traffic fromNode1 = new Traffic(node1::exec);
    String node2Address6 = node2.switchAddress6().orElseThrow();
    await().atMost(CONVERGE).until(() -> fromNode1.http(node2Address6, 32001, 4).equals(both));
    assertThat(fromNode1.http(node2.switchAddress().orElseThrow(), 32001, 4)).isEqualTo(both);
    // From node 1 through node 2: masqueraded (IPv6 too) to an address of node 2, the one its
    // route to the pod picks (its switch address towards node 3, its pod CIDR's for a local pod).
    assertThat(fromNode1.httpPath(node2Address6, 32001, Pod.CLIENT_ADDRESS_PATH, 4).keySet())
        .isSubsetOf(node2Address6, node2.podGateway6())
        .contains(node2Address6);
    assertThat(node2.run("ipvsadm -Sn; ipset list KUBE-6-NODE-PORT-TCP"))
        .contains("-A -t [" + node2Address6 + "]:32001 -s rr")
        .doesNotContain("[fe80:")
        .contains("32001");
  }

  /**
   * Scenario 13, externalTrafficPolicy Local over IPv6: the node port of a dual-stack Local service
   * on a node's IPv6 address sends only to that node's pods, and the pod sees the IPv6 address of
   * the client on another node (upstream's source-IP preservation, here over the secondary family).
   */
  @Test
  void localPolicyOverIpv6KeepsTrafficOnTheNodeAndTheClientsAddress() {
    Pod local2 = node2.addPod("dsl-2");
    Pod local3 = node3.addPod("dsl-3");
    k8s.apply(nodePort("dsl", List.of("10.96.163.10", "fd00:96::c1"), 32002, "Local"));
    k8s.httpEndpoints("dsl", List.of(local2, local3));
    k8s.endpoints6("dsl", "http", "TCP", Pod.HTTP_PORT, List.of(local2, local3));

    Traffic fromNode1 = new Traffic(node1::exec);
    String node2Address6 = node2.switchAddress6().orElseThrow();
    String node3Address6 = node3.switchAddress6().orElseThrow();
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http(node2Address6, 32002, 4).equals(Map.of("dsl-2", 4)));
    assertThat(fromNode1.http(node3Address6, 32002, 4)).isEqualTo(Map.of("dsl-3", 4));
    assertThat(fromNode1.httpPath(node2Address6, 32002, Pod.CLIENT_ADDRESS_PATH, 2))
        .isEqualTo(Map.of(node1.switchAddress6().orElseThrow(), 2));
    assertThat(node2.run("ipset list KUBE-6-NODE-PORT-LOCAL-TCP")).contains("32002");
  }

  private static Service nodePort(
      String name, List<String> clusterIps, int nodePort, String policy) {
    Service service =
        k8s.serviceBuilder(name, clusterIps, Workloads.tcp(80, Pod.HTTP_PORT)).build();
    service.getSpec().setType("NodePort");
    service.getSpec().getPorts().get(0).setNodePort(nodePort);
    service.getSpec().setExternalTrafficPolicy(policy);
    return service;
  }

  private static List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpointsOf(
      List<Pod> pods, boolean v6) {
    return pods.stream()
        .map(
            p ->
                new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder(
                        Workloads.endpoint(p, true, false))
                    .withAddresses(v6 ? p.ip6() : p.ip())
                    .build())
        .toList();
  }
}
