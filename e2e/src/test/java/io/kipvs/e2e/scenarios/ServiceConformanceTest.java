package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Traffic;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.ExecResult;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15, "Service conformance on real kernels": the Service behaviours upstream's sig-network
 * e2e tests check (test/e2e/network/service.go, loadbalancer.go), each with real packets through
 * three nodes that run kipvs with the DaemonSet's flags. Every test has its own services (cluster
 * IPs 10.96.101.0-10.96.129.255, node ports 31000-31499) and pods, so the order does not matter.
 *
 * <p>Clients "outside the cluster" are network namespaces on the switch segment (an ipvlan link on
 * a node's eth1, with an address of their own): a node's own traffic to an external or
 * load-balancer IP never leaves it, since every node binds those addresses to kube-ipvs0. Such a
 * client routes those addresses through node 2, as a router in front of the cluster would.
 */
class ServiceConformanceTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration SYNC_PERIOD = Duration.ofSeconds(10);
  // A deadline, not a figure: the machine is shared by several clusters of UML nodes. A mutation
  // check (a daemon broken on purpose, every test expected to fail) may shorten it with
  // -Dkipvs.conformance.convergeSeconds, since each failing await then waits it out.
  private static final Duration CONVERGE =
      Duration.ofSeconds(Long.getLong("kipvs.conformance.convergeSeconds", 90));

  /** An outside client on node 1's switch link, allowed by the source-range test's ranges. */
  private static final String OUTSIDE_A = "ext-a";

  private static final String OUTSIDE_A_IP = "192.168.50.101";

  /** An outside client on node 3's switch link, outside the source-range test's ranges. */
  private static final String OUTSIDE_C = "ext-c";

  private static final String OUTSIDE_C_IP = "192.168.50.103";

  /** Where outside clients send external and load-balancer IPs: to node 2. */
  private static final List<String> OUTSIDE_ROUTED = List.of("203.0.113.0/24", "198.51.100.0/24");

  static ApiServer api;
  static Workloads k8s;
  static List<Node> nodes;
  static Node node1;
  static Node node2;
  static Node node3;

  @BeforeAll
  static void bootCluster() {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    nodes = testbed.startCluster(3, NodeOptions.named("node").withHostLink());
    node1 = nodes.get(0);
    node2 = nodes.get(1);
    node3 = nodes.get(2);
    nodes.forEach(n -> k8s.node(n, "zone-a"));
    KipvsDaemon.startHealthyOnEach(
        nodes,
        api,
        List.of(
            "--ipvs-sync-period=" + SYNC_PERIOD.toSeconds() + "s", "--cluster-cidr=10.244.0.0/16"));
    addOutsideClient(node1, OUTSIDE_A, OUTSIDE_A_IP);
    addOutsideClient(node3, OUTSIDE_C, OUTSIDE_C_IP);
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 1. ClusterIP, multi-port, one port number for TCP and UDP

  /** Issue 15, scenario 1: a basic ClusterIP service reaches its pods from a node and a pod. */
  @Test
  void basicClusterIpServiceReachesEveryEndpoint() {
    List<Pod> pods = List.of(node2.addPod("basic-1"), node3.addPod("basic-2"));
    k8s.clusterIpService("basic", "10.96.101.10", 80);
    k8s.httpEndpoints("basic", pods);
    Map<String, Integer> expected = Map.of("basic-1", 2, "basic-2", 2);
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(fromNode1.http("10.96.101.10", 80, 4)).isEqualTo(expected));
    Pod client = node3.addPod("basic-client");
    Traffic fromPod = new Traffic(client::exec);
    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(fromPod.http("10.96.101.10", 80, 4)).isEqualTo(expected));
  }

  /**
   * Issue 15, scenario 1: a service with two named TCP ports to two target ports and a UDP port;
   * each service port reaches its own target port of every pod.
   */
  @Test
  void multiPortServiceSendsEachPortToItsTargetPort() {
    List<Pod> pods = List.of(node2.addPod("multi-1"), node3.addPod("multi-2"));
    for (Pod p : pods) {
      // A second HTTP server on 9090, answering with the pod's name and ":9090".
      p.run(
          "D=/run/pods/"
              + p.name()
              + "/alt; mkdir -p $D; printf %s "
              + p.name()
              + ":9090 > $D/index.html; setsid busybox httpd -p 9090 -h $D </dev/null >/dev/null 2>&1");
    }
    k8s.apply(
        k8s.serviceBuilder(
                "multi",
                "10.96.101.20",
                Workloads.port("http", "TCP", 80, Pod.HTTP_PORT),
                Workloads.port("alt", "TCP", 81, 9090),
                Workloads.port("echo", "UDP", 82, Pod.UDP_PORT))
            .build());
    slice(
        "multi",
        pods,
        endpointPort("http", "TCP", Pod.HTTP_PORT),
        endpointPort("alt", "TCP", 9090),
        endpointPort("echo", "UDP", Pod.UDP_PORT));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.http("10.96.101.20", 80, 4))
                    .isEqualTo(Map.of("multi-1", 2, "multi-2", 2)));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.http("10.96.101.20", 81, 4))
                    .isEqualTo(Map.of("multi-1:9090", 2, "multi-2:9090", 2)));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.udp("10.96.101.20", 82, 4))
                    .isEqualTo(Map.of("multi-1", 2, "multi-2", 2)));
    assertThat(node1.run("ipvsadm -Sn"))
        .contains("-a -t 10.96.101.20:81 -r " + pods.get(0).ip() + ":9090 -m -w 1")
        .contains("-a -u 10.96.101.20:82 -r " + pods.get(0).ip() + ":8080 -m -w 1")
        .doesNotContain("-A -u 10.96.101.20:80 ")
        .doesNotContain("-A -t 10.96.101.20:82 ");
  }

  /** Issue 15, scenario 1: port 53 serves TCP and UDP at once on one service, as DNS does. */
  @Test
  void onePortNumberServesTcpAndUdp() {
    Pod dns = node2.addPod("dns-both-1");
    k8s.apply(
        k8s.serviceBuilder(
                "dns-both",
                "10.96.101.30",
                Workloads.port("dns", "UDP", 53, Pod.UDP_PORT),
                Workloads.port("dns-tcp", "TCP", 53, Pod.HTTP_PORT))
            .build());
    slice(
        "dns-both",
        List.of(dns),
        endpointPort("dns", "UDP", Pod.UDP_PORT),
        endpointPort("dns-tcp", "TCP", Pod.HTTP_PORT));
    Traffic fromNode3 = new Traffic(node3::exec);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode3.udp("10.96.101.30", 53, 2))
                    .isEqualTo(Map.of("dns-both-1", 2)));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode3.http("10.96.101.30", 53, 2))
                    .isEqualTo(Map.of("dns-both-1", 2)));
  }

  // ---------------------------------------------------------------------------------------------
  // 2. NodePort, externalTrafficPolicy Local, healthCheckNodePort

  /** Issue 15, scenario 2: a NodePort answers from the node itself, another node and a pod. */
  @Test
  void nodePortFromTheNodeAnotherNodeAndAPod() {
    List<Pod> pods = List.of(node2.addPod("np-1"), node3.addPod("np-2"));
    k8s.apply(nodePortService("np", "10.96.102.10", 31010, "Cluster"));
    k8s.httpEndpoints("np", pods);
    Map<String, Integer> expected = Map.of("np-1", 1, "np-2", 1);
    Pod client = node1.addPod("np-client");
    List<Traffic> clients =
        List.of(new Traffic(node1::exec), new Traffic(node2::exec), new Traffic(client::exec));
    List<String> targets =
        List.of(address(node1), address(node1), address(node2)); // itself, node1, node2
    for (int i = 0; i < clients.size(); i++) {
      Traffic from = clients.get(i);
      String target = targets.get(i);
      await()
          .atMost(CONVERGE)
          .untilAsserted(() -> assertThat(from.http(target, 31010, 2)).isEqualTo(expected));
    }
  }

  /**
   * Issue 15, scenario 2: with externalTrafficPolicy Local a NodePort sends only to the node's own
   * pods and the pod sees the client's own address; switched to Cluster on the live service, the
   * same request reaches pods on other nodes too, masqueraded to the receiving node's address.
   */
  @Test
  void localPolicyKeepsTrafficOnTheNodeAndTheClientAddress() {
    Pod onNode2 = node2.addPod("local-2");
    Pod onNode3 = node3.addPod("local-3");
    k8s.apply(nodePortService("local", "10.96.102.20", 31011, "Local"));
    k8s.httpEndpoints("local", List.of(onNode2, onNode3));
    Function<String, ExecResult> fromNode1 = node1::exec;
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(http(fromNode1, address(node2), 31011, "/", 4))
                    .isEqualTo(Map.of("local-2", 4)));
    assertThat(http(fromNode1, address(node3), 31011, "/", 4)).isEqualTo(Map.of("local-3", 4));
    assertThat(http(fromNode1, address(node2), 31011, Pod.CLIENT_ADDRESS_PATH, 4))
        .as("the pod sees node 1's own address")
        .isEqualTo(Map.of(address(node1), 4));

    k8s.apply(nodePortService("local", "10.96.102.20", 31011, "Cluster"));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(http(fromNode1, address(node2), 31011, "/", 4))
                    .isEqualTo(Map.of("local-2", 2, "local-3", 2)));
    Set<String> node2Addresses = addressesOf(node2);
    Map<String, Integer> seen = http(fromNode1, address(node2), 31011, Pod.CLIENT_ADDRESS_PATH, 6);
    assertThat(seen.keySet())
        .as("with policy Cluster both pods see a masqueraded source, one of node 2's addresses")
        .isSubsetOf(node2Addresses)
        .doesNotContain(address(node1));
  }

  /**
   * Issue 15, scenario 2: the healthCheckNodePort of a LoadBalancer service with policy Local
   * answers, over HTTP from another node, 200 and the local endpoint count on a node with
   * endpoints, 503 and 0 on one without; body and headers as upstream's service health server.
   */
  @Test
  void healthCheckNodePortAnswersWithTheLocalEndpointCount() {
    List<Pod> pods = List.of(node2.addPod("hc-1"), node2.addPod("hc-2"));
    Service service = nodePortService("hc", "10.96.102.30", 31012, "Local");
    service.getSpec().setType("LoadBalancer");
    service.getSpec().setHealthCheckNodePort(31013);
    k8s.apply(service);
    k8s.httpEndpoints("hc", pods);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(healthCheck(node1, node2, 31013))
                    .isEqualTo(new HealthAnswer(200, "2", healthBody("hc", 2, true))));
    assertThat(healthCheck(node1, node3, 31013))
        .isEqualTo(new HealthAnswer(503, "0", healthBody("hc", 0, true)));

    k8s.httpEndpoints("hc", List.of(pods.get(0)));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(healthCheck(node1, node2, 31013))
                    .isEqualTo(new HealthAnswer(200, "1", healthBody("hc", 1, true))));
  }

  // ---------------------------------------------------------------------------------------------
  // 3. externalIPs, load-balancer ingress, source ranges, ipMode Proxy

  /**
   * Issue 15, scenario 3: an external IP and a load-balancer ingress IP (written as the service's
   * status) reach the pods from a client outside the cluster that routes them to node 2, and from a
   * node itself.
   */
  @Test
  void externalIpAndLoadBalancerIngressFromOutside() {
    Pod pod = node3.addPod("ext-lb-1");
    Service service =
        k8s.serviceBuilder("ext-lb", "10.96.103.10", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("LoadBalancer")
            .withExternalIPs("203.0.113.10")
            .withExternalTrafficPolicy("Cluster")
            .endSpec()
            .build();
    service.getSpec().getPorts().get(0).setNodePort(31030);
    k8s.apply(service);
    setIngress("ext-lb", ingress("198.51.100.10", "VIP"));
    k8s.httpEndpoints("ext-lb", List.of(pod));
    Function<String, ExecResult> outside = outsideClient(node1, OUTSIDE_A);
    for (String ip : List.of("203.0.113.10", "198.51.100.10")) {
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> assertThat(http(outside, ip, 80, "/", 2)).isEqualTo(Map.of("ext-lb-1", 2)));
      assertThat(new Traffic(node1::exec).http(ip, 80, 2)).isEqualTo(Map.of("ext-lb-1", 2));
    }
  }

  /**
   * Issue 15, scenario 3: loadBalancerSourceRanges let an allowed source through and drop another,
   * both for clients outside the cluster and for nodes themselves (a node inside a range reaches
   * the load-balancer IP, one outside does not).
   */
  @Test
  void loadBalancerSourceRangesAllowOnlyTheirSources() {
    Pod pod = node3.addPod("ranges-1");
    Service service =
        k8s.serviceBuilder("ranges", "10.96.103.20", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("LoadBalancer")
            .withExternalTrafficPolicy("Cluster")
            .withLoadBalancerSourceRanges(OUTSIDE_A_IP + "/32", address(node1) + "/32")
            .endSpec()
            .build();
    service.getSpec().getPorts().get(0).setNodePort(31031);
    k8s.apply(service);
    setIngress("ranges", ingress("198.51.100.20", "VIP"));
    k8s.httpEndpoints("ranges", List.of(pod));
    String lb = "198.51.100.20";
    Function<String, ExecResult> allowedOutside = outsideClient(node1, OUTSIDE_A);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(http(allowedOutside, lb, 80, "/", 2)).isEqualTo(Map.of("ranges-1", 2)));
    assertThat(http(node1::exec, lb, 80, "/", 2)).isEqualTo(Map.of("ranges-1", 2));
    // curl's 28 is its timeout: dropped, not refused.
    assertThat(http(outsideClient(node3, OUTSIDE_C), lb, 80, "/", 1))
        .isEqualTo(Map.of("!exit=28", 1));
    assertThat(http(node3::exec, lb, 80, "/", 1)).isEqualTo(Map.of("!exit=28", 1));
    // The NodePort and cluster IP of the same service know no ranges.
    assertThat(http(outsideClient(node3, OUTSIDE_C), address(node2), 31031, "/", 1))
        .isEqualTo(Map.of("ranges-1", 1));
  }

  /**
   * Issue 15, scenario 3: an ingress IP whose ipMode is Proxy gets nothing on any node (the load
   * balancer proxies to node ports itself), while the VIP ingress of the same service gets its
   * virtual server, its address on kube-ipvs0 and its ipset member.
   */
  @Test
  void ingressWithIpModeProxyIsLeftAlone() {
    Pod pod = node2.addPod("proxy-mode-1");
    Service service =
        k8s.serviceBuilder("proxy-mode", "10.96.103.30", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("LoadBalancer")
            .endSpec()
            .build();
    service.getSpec().getPorts().get(0).setNodePort(31032);
    k8s.apply(service);
    setIngress("proxy-mode", ingress("198.51.100.30", "VIP"), ingress("198.51.100.31", "Proxy"));
    k8s.httpEndpoints("proxy-mode", List.of(pod));
    for (Node n : nodes) {
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> {
                NodeState state = NodeState.of(n);
                assertThat(state.ipvs()).contains("-A -t 198.51.100.30:80 ");
                assertThat(state.kubeIpvs0()).contains("198.51.100.30");
                assertThat(state.ipsets()).contains("198.51.100.30,tcp:80");
                assertThat(state.ipvs()).doesNotContain("198.51.100.31");
                assertThat(state.kubeIpvs0()).doesNotContain("198.51.100.31");
                assertThat(state.ipsets()).doesNotContain("198.51.100.31");
              });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Session affinity

  /** Issue 15, scenario 4: ClientIP affinity keeps a client on one pod through a cluster IP. */
  @Test
  void sessionAffinityForClusterIp() {
    List<Pod> pods =
        List.of(node2.addPod("aff-c-1"), node2.addPod("aff-c-2"), node3.addPod("aff-c-3"));
    k8s.apply(affinityService("aff-c", "10.96.104.10", "ClientIP", 0));
    k8s.httpEndpoints("aff-c", pods);
    awaitRealServers(node1, "10.96.104.10:80", 3);
    Pod client = node1.addPod("aff-c-client");
    for (Traffic from : List.of(new Traffic(node1::exec), new Traffic(client::exec))) {
      Map<String, Integer> answers = from.http("10.96.104.10", 80, 10);
      assertThat(answers).hasSize(1);
      assertThat(answers.values()).containsExactly(10);
    }
  }

  /** Issue 15, scenario 4: ClientIP affinity keeps a client on one pod through a NodePort. */
  @Test
  void sessionAffinityForNodePort() {
    List<Pod> pods =
        List.of(node2.addPod("aff-n-1"), node3.addPod("aff-n-2"), node3.addPod("aff-n-3"));
    k8s.apply(affinityService("aff-n", "10.96.104.20", "ClientIP", 31040));
    k8s.httpEndpoints("aff-n", pods);
    awaitRealServers(node2, address(node2) + ":31040", 3);
    Map<String, Integer> answers = http(node1::exec, address(node2), 31040, "/", 10);
    assertThat(answers).hasSize(1);
    assertThat(answers.values()).containsExactly(10);
  }

  /**
   * Issue 15, scenario 4: session affinity switched off and on again on a live service (upstream's
   * "should be able to switch session affinity"): on, one client gets one pod; off, it spreads over
   * all of them; on again, one pod.
   */
  @Test
  void sessionAffinitySwitchedOffAndOnForClusterIp() {
    List<Pod> pods =
        List.of(node2.addPod("aff-s-1"), node3.addPod("aff-s-2"), node3.addPod("aff-s-3"));
    k8s.apply(affinityService("aff-s", "10.96.104.30", "ClientIP", 0));
    k8s.httpEndpoints("aff-s", pods);
    awaitRealServers(node1, "10.96.104.30:80", 3);
    Traffic fromNode1 = new Traffic(node1::exec);
    assertThat(fromNode1.http("10.96.104.30", 80, 9)).hasSize(1);

    k8s.apply(affinityService("aff-s", "10.96.104.30", "None", 0));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.http("10.96.104.30", 80, 9))
                    .isEqualTo(Map.of("aff-s-1", 3, "aff-s-2", 3, "aff-s-3", 3)));
    assertThat(node1.run("ipvsadm -Sn")).contains("-A -t 10.96.104.30:80 -s rr\n");

    k8s.apply(affinityService("aff-s", "10.96.104.30", "ClientIP", 0));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Sn"))
                    .contains("-A -t 10.96.104.30:80 -s rr -p 10800"));
    Map<String, Integer> answers = fromNode1.http("10.96.104.30", 80, 9);
    assertThat(answers).hasSize(1);
    assertThat(answers.values()).containsExactly(9);
  }

  // ---------------------------------------------------------------------------------------------
  // 5. Type changes; services that get nothing

  /**
   * Issue 15, scenario 5: one service changed ExternalName -> ClusterIP -> NodePort -> LoadBalancer
   * and back, then ExternalName -> NodePort -> ExternalName; at each step what its type gives is
   * reachable and what it no longer has is gone, from IPVS and from the network.
   */
  @Test
  void typeChangesAddAndRemoveWhatEachTypeGives() {
    Pod pod = node3.addPod("types-1");
    k8s.httpEndpoints("types", List.of(pod));
    String clusterIp = "10.96.105.10";
    String lbIp = "198.51.100.50";
    int nodePort = 31050;
    String nodePortServer = address(node2) + ":" + nodePort;
    Traffic fromNode1 = new Traffic(node1::exec);

    k8s.apply(externalName("types"));
    awaitGone(clusterIp, lbIp, nodePortServer);

    k8s.apply(typed("types", "ClusterIP", clusterIp, 0));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> assertThat(fromNode1.http(clusterIp, 80, 1)).isEqualTo(Map.of("types-1", 1)));
    assertThat(node2.run("ipvsadm -Sn")).doesNotContain(":" + nodePort + " ");

    k8s.apply(typed("types", "NodePort", clusterIp, nodePort));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.http(address(node2), nodePort, 1))
                    .isEqualTo(Map.of("types-1", 1)));
    assertThat(node2.run("ipvsadm -Sn")).contains("-A -t " + nodePortServer + " ");

    k8s.apply(typed("types", "LoadBalancer", clusterIp, nodePort));
    setIngress("types", ingress(lbIp, null));
    Function<String, ExecResult> outside = outsideClient(node1, OUTSIDE_A);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> assertThat(http(outside, lbIp, 80, "/", 1)).isEqualTo(Map.of("types-1", 1)));
    assertThat(fromNode1.http(address(node2), nodePort, 1)).isEqualTo(Map.of("types-1", 1));
    assertThat(fromNode1.http(clusterIp, 80, 1)).isEqualTo(Map.of("types-1", 1));

    // Back: the service controller clears the ingress when the type stops being LoadBalancer.
    k8s.apply(typed("types", "NodePort", clusterIp, nodePort));
    setIngress("types");
    awaitGone(lbIp);
    assertThat(http(outside, lbIp, 80, "/", 1)).doesNotContainKey("types-1");
    assertThat(fromNode1.http(address(node2), nodePort, 1)).isEqualTo(Map.of("types-1", 1));

    k8s.apply(typed("types", "ClusterIP", clusterIp, 0));
    awaitGone(nodePortServer);
    assertThat(fromNode1.http(address(node2), nodePort, 1)).doesNotContainKey("types-1");
    assertThat(fromNode1.http(clusterIp, 80, 1)).isEqualTo(Map.of("types-1", 1));

    k8s.apply(externalName("types"));
    awaitGone(clusterIp);
    assertThat(fromNode1.http(clusterIp, 80, 1)).doesNotContainKey("types-1");

    // ExternalName straight to NodePort and back, as upstream's two conformance tests do.
    k8s.apply(typed("types", "NodePort", clusterIp, nodePort));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.http(address(node2), nodePort, 1))
                    .isEqualTo(Map.of("types-1", 1)));
    k8s.apply(externalName("types"));
    awaitGone(clusterIp, nodePortServer);
    assertThat(fromNode1.http(address(node2), nodePort, 1)).doesNotContainKey("types-1");
  }

  /**
   * Issue 15, scenario 5: a headless service, a service labelled for another service proxy and one
   * labelled headless get nothing on any node, while an identical unlabelled service does (all four
   * have the same endpoints).
   */
  @Test
  void headlessAndOtherProxysServicesGetNothing() {
    Pod pod = node2.addPod("ignored-1");
    Service headless =
        k8s.serviceBuilder("ignored-headless", "None", Workloads.tcp(80, Pod.HTTP_PORT)).build();
    Service otherProxy =
        k8s.serviceBuilder("ignored-other", "10.96.105.21", Workloads.tcp(80, Pod.HTTP_PORT))
            .editMetadata()
            .addToLabels("service.kubernetes.io/service-proxy-name", "other")
            .endMetadata()
            .build();
    Service labelledHeadless =
        k8s.serviceBuilder("ignored-label", "10.96.105.22", Workloads.tcp(80, Pod.HTTP_PORT))
            .editMetadata()
            .addToLabels("service.kubernetes.io/headless", "")
            .endMetadata()
            .build();
    Service plain =
        k8s.serviceBuilder("ignored-not", "10.96.105.23", Workloads.tcp(80, Pod.HTTP_PORT)).build();
    for (Service s : List.of(headless, otherProxy, labelledHeadless, plain)) {
      k8s.apply(s);
      k8s.httpEndpoints(s.getMetadata().getName(), List.of(pod));
    }
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(fromNode1.http("10.96.105.23", 80, 1))
                    .isEqualTo(Map.of("ignored-1", 1)));
    for (Node n : nodes) {
      await()
          .atMost(CONVERGE)
          .untilAsserted(() -> assertThat(NodeState.of(n).kubeIpvs0()).contains("10.96.105.23"));
      // Every node has synced the plain service, written after the others: they stay absent.
      NodeState state = NodeState.of(n);
      for (String ip : List.of("10.96.105.21", "10.96.105.22")) {
        assertThat(state.ipvs()).doesNotContain(ip);
        assertThat(state.kubeIpvs0()).doesNotContain(ip);
        assertThat(state.ipsets()).doesNotContain(ip);
      }
      assertThat(state.ipvs().lines().filter(l -> l.contains(" -r " + pod.ip() + ":")).toList())
          .as("real servers on %s for the pod all four services share", n.name())
          .containsExactly("-a -t 10.96.105.23:80 -r " + pod.ip() + ":8080 -m -w 1");
    }
    assertThat(fromNode1.http("10.96.105.21", 80, 1)).doesNotContainKey("ignored-1");
  }

  /**
   * Issue 15, scenario 5: a live service that gets the service-proxy-name label, and later the
   * headless label, loses everything on every node, and gets it back when the label goes (upstream
   * toggles each label on a running service).
   */
  @Test
  void labellingALiveServiceTakesItAwayAndBack() {
    Pod pod = node3.addPod("toggled-1");
    String ip = "10.96.105.30";
    k8s.clusterIpService("toggled", ip, 80);
    k8s.httpEndpoints("toggled", List.of(pod));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> assertThat(fromNode1.http(ip, 80, 1)).isEqualTo(Map.of("toggled-1", 1)));
    for (String label :
        List.of("service.kubernetes.io/service-proxy-name", "service.kubernetes.io/headless")) {
      Service labelled =
          k8s.serviceBuilder("toggled", ip, Workloads.tcp(80, Pod.HTTP_PORT))
              .editMetadata()
              .addToLabels(label, label.endsWith("headless") ? "" : "other")
              .endMetadata()
              .build();
      k8s.apply(labelled);
      awaitGone(ip);
      assertThat(fromNode1.http(ip, 80, 1))
          .as("with label %s", label)
          .doesNotContainKey("toggled-1");
      k8s.clusterIpService("toggled", ip, 80);
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> assertThat(fromNode1.http(ip, 80, 1)).isEqualTo(Map.of("toggled-1", 1)));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 9. Source addresses

  /**
   * Issue 15, scenario 9: a pod on node 1 reaching a pod on node 2 through a cluster IP is not
   * masqueraded (the server sees the client pod's address, upstream's "should preserve source pod
   * IP for traffic thru service cluster IP"); a node's own request is (it comes from outside the
   * cluster CIDR).
   */
  @Test
  void sourcePodIpIsPreservedThroughAClusterIp() {
    Pod server = node2.addPod("source-server");
    Pod client = node1.addPod("source-client");
    k8s.clusterIpService("source", "10.96.109.10", 80);
    k8s.httpEndpoints("source", List.of(server));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(http(client::exec, "10.96.109.10", 80, Pod.CLIENT_ADDRESS_PATH, 2))
                    .isEqualTo(Map.of(client.ip(), 2)));
    Map<String, Integer> fromNode =
        http(node1::exec, "10.96.109.10", 80, Pod.CLIENT_ADDRESS_PATH, 1);
    assertThat(fromNode.keySet()).isSubsetOf(addressesOf(node1));
  }

  /**
   * Issue 15, scenario 9: a pod reaches itself through its own service (hairpin), and sees the
   * request come from its node, masqueraded as upstream's KUBE-LOOP-BACK set makes it: without
   * that, the pod would answer itself directly and the connection would never complete.
   */
  @Test
  void hairpinIsMasqueradedToTheNode() {
    Pod pod = node1.addPod("hairpin-self");
    k8s.clusterIpService("hairpin-self", "10.96.109.20", 80);
    k8s.httpEndpoints("hairpin-self", List.of(pod));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(http(pod::exec, "10.96.109.20", 80, "/", 2))
                    .isEqualTo(Map.of("hairpin-self", 2)));
    Map<String, Integer> seen = http(pod::exec, "10.96.109.20", 80, Pod.CLIENT_ADDRESS_PATH, 2);
    assertThat(seen.keySet()).doesNotContain(pod.ip()).isSubsetOf(addressesOf(node1));
  }

  // ---------------------------------------------------------------------------------------------
  // Beyond the list: more of upstream's Service e2e tests

  /**
   * Upstream's "should respect internalTrafficPolicy=Local Pod to Pod": a pod reaches only the
   * endpoints on its own node through the cluster IP, and a node without one is refused at once.
   */
  @Test
  void internalTrafficPolicyLocalKeepsPodTrafficOnItsNode() {
    Pod onNode2 = node2.addPod("itp-2");
    Pod onNode3 = node3.addPod("itp-3");
    Service service =
        k8s.serviceBuilder("itp", "10.96.129.10", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withInternalTrafficPolicy("Local")
            .endSpec()
            .build();
    k8s.apply(service);
    k8s.httpEndpoints("itp", List.of(onNode2, onNode3));
    Pod client2 = node2.addPod("itp-client-2");
    Pod client3 = node3.addPod("itp-client-3");
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(new Traffic(client2::exec).http("10.96.129.10", 80, 4))
                    .isEqualTo(Map.of("itp-2", 4)));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(new Traffic(client3::exec).http("10.96.129.10", 80, 4))
                    .isEqualTo(Map.of("itp-3", 4)));
    Pod client1 = node1.addPod("itp-client-1");
    ExecResult refused = client1.exec("curl -s --max-time 5 http://10.96.129.10/");
    assertThat(refused.exitCode())
        .as("node 1 has no local endpoint: curl's exit code (7 refused, 56 reset)")
        .isIn(7, 56);
  }

  /**
   * Upstream's "should check kube-proxy urls": /healthz on the healthz port, and /proxyMode and
   * /healthz on the metrics port, as kube-proxy answers them.
   */
  @Test
  void kubeProxyUrlsAnswerAsUpstreams() {
    String out =
        node1.run(
            "curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:10256/healthz;"
                + " curl -s http://127.0.0.1:10249/proxyMode; echo;"
                + " curl -s http://127.0.0.1:10249/healthz; echo");
    assertThat(out.lines().toList()).containsExactly("200", "ipvs", "ok");
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** What kipvs programmed in a node, read in one exec. */
  record NodeState(String ipvs, String kubeIpvs0, String ipsets) {
    static NodeState of(Node node) {
      String[] parts =
          node.run("ipvsadm -Sn; echo @@; ip -o addr show dev kube-ipvs0; echo @@; ipset save")
              .split("@@\n", -1);
      return new NodeState(parts[0], parts[1], parts[2]);
    }
  }

  /** One answer of a health check node port: status, the endpoint weight header, body. */
  record HealthAnswer(int status, String weight, String body) {}

  /** Upstream's body, as its Go template prints it: tab-indented, no trailing newline. */
  private static String healthBody(String name, int endpoints, boolean healthy) {
    return "{\n\t\"service\": {\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \""
        + name
        + "\"\n\t},\n\t\"localEndpoints\": "
        + endpoints
        + ",\n\t\"serviceProxyHealthy\": "
        + healthy
        + "\n}";
  }

  private static HealthAnswer healthCheck(Node from, Node target, int port) {
    String out =
        from.run("curl -s -i --max-time 3 http://" + address(target) + ":" + port + "/ ; true");
    int split = out.indexOf("\r\n\r\n");
    assertThat(split).as("an HTTP answer: %s", out).isPositive();
    List<String> head = Arrays.asList(out.substring(0, split).split("\r\n"));
    int status = Integer.parseInt(head.get(0).split(" ")[1]);
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String h : head.subList(1, head.size())) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
    }
    assertThat(headers)
        .containsEntry("Content-Type", "application/json")
        .containsEntry("X-Content-Type-Options", "nosniff");
    return new HealthAnswer(
        status, headers.get("X-Load-Balancing-Endpoint-Weight"), out.substring(split + 4));
  }

  /**
   * {@code count} HTTP GETs of {@code path} in one shell command, counted by body; a failed one
   * counts under "!exit=N" (curl's exit code).
   */
  private static Map<String, Integer> http(
      Function<String, ExecResult> shell, String host, int port, String path, int count) {
    return new Traffic(shell).httpPath(host, port, path, count);
  }

  private static String address(Node node) {
    return node.switchAddress().orElseThrow();
  }

  /** The node's IPv4 addresses outside kube-ipvs0 (service addresses are not sources). */
  private static Set<String> addressesOf(Node node) {
    return node.run("ip -o -4 addr show | grep -v kube-ipvs0 | awk '{print $4}'")
        .lines()
        .map(l -> l.split("/")[0])
        .collect(Collectors.toSet());
  }

  /**
   * A client outside the cluster: a network namespace on the node's switch segment through an
   * ipvlan link (which shares the node's MAC, so the switch needs to learn nothing), with its own
   * address and routes for external and load-balancer IPs through node 2.
   */
  private static void addOutsideClient(Node node, String name, String ip) {
    StringBuilder script =
        new StringBuilder(
            """
            set -e
            modprobe -d /run/mods ipvlan
            ip netns add %1$s
            ip link add %1$s0 link eth1 type ipvlan mode l2
            ip link set %1$s0 netns %1$s
            ip -n %1$s link set lo up
            ip -n %1$s addr add %2$s/24 dev %1$s0
            ip -n %1$s link set %1$s0 up
            """
                .formatted(name, ip));
    for (String cidr : OUTSIDE_ROUTED) {
      script.append("ip -n %s route add %s via %s\n".formatted(name, cidr, address(node2)));
    }
    node.run(script.toString());
  }

  private static Function<String, ExecResult> outsideClient(Node node, String name) {
    return script ->
        node.exec("ip netns exec " + name + " sh -c '" + script.replace("'", "'\\''") + "'");
  }

  private static EndpointPort endpointPort(String name, String protocol, int port) {
    return new EndpointPortBuilder().withName(name).withProtocol(protocol).withPort(port).build();
  }

  /** The endpoint slice the controller would write: every pod ready, with these ports. */
  private static void slice(String service, List<Pod> pods, EndpointPort... ports) {
    k8s.client()
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(Workloads.NAMESPACE)
        .resource(
            new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(service)
                .withNamespace(Workloads.NAMESPACE)
                .addToLabels("kubernetes.io/service-name", service)
                .addToLabels(
                    "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
                .endMetadata()
                .withAddressType("IPv4")
                .withEndpoints(pods.stream().map(p -> Workloads.endpoint(p, true, false)).toList())
                .withPorts(ports)
                .build())
        .createOr(r -> r.update());
  }

  private static LoadBalancerIngress ingress(String ip, String ipMode) {
    return new LoadBalancerIngressBuilder().withIp(ip).withIpMode(ipMode).build();
  }

  /**
   * Writes status.loadBalancer.ingress through the status subresource, as a cloud provider does.
   */
  private static void setIngress(String service, LoadBalancerIngress... ingress) {
    Service current =
        k8s.client().services().inNamespace(Workloads.NAMESPACE).withName(service).get();
    current.setStatus(
        new ServiceStatusBuilder()
            .withNewLoadBalancer()
            .withIngress(ingress)
            .endLoadBalancer()
            .build());
    k8s.client().services().inNamespace(Workloads.NAMESPACE).resource(current).updateStatus();
    Service stored =
        k8s.client().services().inNamespace(Workloads.NAMESPACE).withName(service).get();
    assertThat(
            Optional.ofNullable(stored.getStatus())
                .map(ServiceStatus::getLoadBalancer)
                .map(LoadBalancerStatus::getIngress)
                .orElse(List.of()))
        .as("the API server keeps the status")
        .isEqualTo(List.of(ingress));
  }

  private static Service nodePortService(
      String name, String clusterIp, int nodePort, String policy) {
    Service service = k8s.serviceBuilder(name, clusterIp, Workloads.tcp(80, Pod.HTTP_PORT)).build();
    service.getSpec().setType("NodePort");
    service.getSpec().getPorts().get(0).setNodePort(nodePort);
    service.getSpec().setExternalTrafficPolicy(policy);
    return service;
  }

  /** A service of one TCP port 80 with this affinity; a NodePort when {@code nodePort} is set. */
  private static Service affinityService(
      String name, String clusterIp, String affinity, int nodePort) {
    Service service =
        nodePort == 0
            ? k8s.serviceBuilder(name, clusterIp, Workloads.tcp(80, Pod.HTTP_PORT)).build()
            : nodePortService(name, clusterIp, nodePort, "Cluster");
    service.getSpec().setSessionAffinity(affinity);
    return service;
  }

  /** A service of type ClusterIP, NodePort or LoadBalancer (node port 0: none). */
  private static Service typed(String name, String type, String clusterIp, int nodePort) {
    ServicePort port = Workloads.tcp(80, Pod.HTTP_PORT);
    if (nodePort != 0) {
      port.setNodePort(nodePort);
    }
    Service service = k8s.serviceBuilder(name, clusterIp, port).build();
    service.getSpec().setType(type);
    if (!type.equals("ClusterIP")) {
      service.getSpec().setExternalTrafficPolicy("Cluster");
    }
    return service;
  }

  /** An ExternalName service as the API server stores it: no cluster IP, no node port. */
  private static Service externalName(String name) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(Workloads.NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withType("ExternalName")
        .withExternalName("db.example.com")
        .withPorts(Workloads.tcp(80, Pod.HTTP_PORT))
        .endSpec()
        .build();
  }

  /**
   * Waits until no node has a virtual server, a kube-ipvs0 address or an ipset member for any of
   * these: an "ip" (all three) or an "ip:port" (its virtual server).
   */
  private static void awaitGone(String... addresses) {
    for (Node n : nodes) {
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> {
                NodeState state = NodeState.of(n);
                for (String a : addresses) {
                  if (a.contains(":")) {
                    assertThat(state.ipvs())
                        .as("ipvsadm -Sn on %s", n.name())
                        .doesNotContain(a + " ");
                    continue;
                  }
                  assertThat(state.ipvs())
                      .as("ipvsadm -Sn on %s", n.name())
                      .doesNotContain(a + ":");
                  assertThat(state.kubeIpvs0())
                      .as("kube-ipvs0 on %s", n.name())
                      .doesNotContain(a + "/");
                  assertThat(state.ipsets())
                      .as("ipsets on %s", n.name())
                      .doesNotContainPattern("(?m)[ ,]" + Pattern.quote(a) + "(,|$)");
                }
              });
    }
  }

  private static void awaitRealServers(Node node, String virtualServer, int count) {
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(
                        node.run("ipvsadm -Sn")
                            .lines()
                            .filter(l -> l.startsWith("-a -t " + virtualServer + " "))
                            .count())
                    .isEqualTo(count));
  }
}
