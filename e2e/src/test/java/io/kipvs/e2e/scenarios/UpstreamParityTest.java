package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where kipvs matches upstream kube-proxy's IPVS mode on points found to differ (issue 16), on two
 * nodes with kipvs started with the DaemonSet's flags and the default {@code auto} iptables
 * backend. Both nodes have the nf_tables module loaded, which in this kernel answers reads but
 * cannot make the filter table; on node 1 the plain {@code iptables} is the nft one (as Debian's
 * alternatives select by default), on node 2 the legacy one. Neither node has the ovf scheduler's
 * module. Every scenario uses its own services, addresses and pods.
 */
class UpstreamParityTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration CONVERGE = Duration.ofSeconds(120);

  static ApiServer api;
  static Workloads k8s;
  static Node node1;
  static Node node2;
  static List<KipvsDaemon> daemons;

  @BeforeAll
  static void bootCluster() {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    List<Node> nodes = testbed.startCluster(2, NodeOptions.named("par").withHostLink());
    node1 = nodes.get(0);
    node2 = nodes.get(1);
    for (Node n : nodes) {
      k8s.node(n, "zone-a");
      // nf_tables in, ip_vs_ovf out: a node cannot load modules on demand (they live under
      // /run/mods), so ovf stays missing.
      n.run("modprobe -d /run/mods nf_tables && rmmod ip_vs_ovf");
    }
    node1.run("ln -sf /usr/sbin/iptables-nft /run/kipvs/bin/iptables");
    daemons =
        nodes.stream()
            .map(
                n ->
                    KipvsDaemon.start(
                        n,
                        KipvsDaemon.daemonSetArgs(
                            n, api, "--ipvs-sync-period=10s", "--cluster-cidr=10.244.0.0/16")))
            .toList();
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  /**
   * Issue 16, iptables backend (and --random-fully): where nft answers reads but refuses the filter
   * table, the {@code auto} backend writes its rules with legacy, on node 2 because the node's own
   * iptables is legacy, on node 1 (whose iptables is nft) because the write probe falls back, with
   * one log line; every sync is counted complete, and the masquerade rule has --random-fully.
   */
  @Test
  void autoBackendWritesRulesWhereNftCannotServeTheFilterTable() {
    for (Node n : List.of(node1, node2)) {
      ExecResult nft =
          n.exec(
              "printf '*filter\\n:KIPVS-PRE - [0:0]\\n-X KIPVS-PRE\\nCOMMIT\\n'"
                  + " | iptables-nft-restore --noflush");
      assertThat(nft.exitCode())
          .as("precondition: nft refuses the filter table: %s", nft)
          .isNotZero();
      assertThat(n.exec("iptables-nft-save").exitCode()).as("precondition: nft reads").isZero();
    }
    for (Node n : List.of(node1, node2)) {
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> {
                // exec, not run: before the metrics server listens, curl fails and is retried.
                String metrics = n.exec("curl -s http://127.0.0.1:10249/metrics").stdout();
                assertThat(metric(metrics, "kubeproxy_sync_proxy_rules_duration_seconds_count"))
                    .as("complete syncs on %s; daemon log:%n%s", n, daemonOf(n).process().log())
                    .hasValueSatisfying(v -> assertThat(v).isPositive());
                assertThat(metric(metrics, "kubeproxy_sync_proxy_rules_last_timestamp_seconds"))
                    .hasValueSatisfying(v -> assertThat(v).isPositive());
              });
      assertThat(n.run("iptables-legacy-save -t nat"))
          .contains("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\"")
          .contains("-j MASQUERADE --random-fully");
      assertThat(n.run("iptables-legacy-save -t filter")).contains(":KUBE-IPVS-FILTER");
      assertThat(n.run("iptables-nft-save")).doesNotContain("KUBE-");
    }
    String log1 = daemons.get(0).process().log();
    assertThat(log1.lines().filter(l -> l.contains("refuses writes")))
        .as("node 1's log")
        .singleElement()
        .asString()
        .contains("nft")
        .contains("legacy");
    assertThat(daemons.get(1).process().log()).doesNotContain("refuses writes");
  }

  /**
   * Issue 16, externalTrafficPolicy Local without a local endpoint: a pod on node 1, which has no
   * endpoint, reaches the service through node 1's NodePort (the virtual server takes node 2's
   * endpoint, as upstream since kubernetes PR #97081); a client outside node 1 (node 2 itself) is
   * still not served by the remote endpoint (unmasqueraded, the reply bypasses node 1, as upstream
   * says), while node 2's own NodePort serves its local endpoint.
   */
  @Test
  void podReachesALocalPolicyNodePortOnANodeWithoutLocalEndpoint() {
    Pod backend = node2.addPod("etp-2");
    Pod client = node1.addPod("etp-client-1");
    k8s.apply(nodePortService("etp", "10.96.16.10", 31610, "Local"));
    k8s.httpEndpoints("etp", List.of(backend));
    String node1Address = node1.switchAddress().orElseThrow();
    String node2Address = node2.switchAddress().orElseThrow();
    Traffic fromPod = new Traffic(client::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromPod.http(node1Address, 31610, 3).equals(Map.of("etp-2", 3)));
    assertThat(node1.run("ipset list KUBE-NODE-PORT-LOCAL-TCP")).contains("31610");
    Traffic fromNode2 = new Traffic(node2::exec);
    assertThat(fromNode2.http(node2Address, 31610, 2)).isEqualTo(Map.of("etp-2", 2));
    assertThat(fromNode2.http(node1Address, 31610, 2))
        .as("an external client of node 1 is not served by node 2's endpoint")
        .doesNotContainKey("etp-2");
  }

  /**
   * Issue 16, externalTrafficPolicy Local for the external IP of a ClusterIP service: each node's
   * virtual server for it has only that node's endpoint, and requests from node 1 are all answered
   * by node 1's pod, as upstream applies the policy there.
   */
  @Test
  void localPolicyGovernsTheExternalIpOfAClusterIpService() {
    Pod local1 = node1.addPod("extl-1");
    Pod local2 = node2.addPod("extl-2");
    Service service =
        k8s.serviceBuilder("extl", "10.96.16.20", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withExternalIPs("192.0.2.16")
            .withExternalTrafficPolicy("Local")
            .endSpec()
            .build();
    k8s.apply(service);
    k8s.httpEndpoints("extl", List.of(local1, local2));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              assertThat(ThreeNodeClusterTest.realServersOf(node1, "192.0.2.16:80"))
                  .containsExactly(local1.ip() + ":8080");
              assertThat(ThreeNodeClusterTest.realServersOf(node2, "192.0.2.16:80"))
                  .containsExactly(local2.ip() + ":8080");
              assertThat(ThreeNodeClusterTest.realServersOf(node1, "10.96.16.20:80")).hasSize(2);
            });
    assertThat(node1.run("ipset list KUBE-EXTERNAL-IP-LOCAL")).contains("192.0.2.16,tcp:80");
    assertThat(new Traffic(node1::exec).http("192.0.2.16", 80, 6)).isEqualTo(Map.of("extl-1", 6));
  }

  /**
   * Issue 16, mh: a service with the mh scheduler (by annotation) gets the mh-fallback and mh-port
   * flags, as ipvsadm shows them, and serves.
   */
  @Test
  void mhVirtualServersCarryMhFallbackAndMhPort() {
    Pod pod = node2.addPod("mh-2");
    Service service =
        k8s.serviceBuilder("mh", "10.96.16.30", Workloads.tcp(80, Pod.HTTP_PORT))
            .editMetadata()
            .addToAnnotations("kipvs.io/scheduler", "mh")
            .endMetadata()
            .build();
    k8s.apply(service);
    k8s.httpEndpoints("mh", List.of(pod));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Ln"))
                    .contains("TCP  10.96.16.30:80 mh (mh-fallback,mh-port)")
                    .contains(pod.ip() + ":8080"));
    assertThat(new Traffic(node1::exec).http("10.96.16.30", 80, 2)).isEqualTo(Map.of("mh-2", 2));
  }

  /**
   * Issue 16, annotated scheduler: a service asking for ovf, which these kernels lack, gets the
   * default scheduler (rr) and serves, and the daemon says so once, naming the service.
   */
  @Test
  void schedulerTheKernelLacksFallsBackToTheDefault() {
    assertThat(node1.exec("ipvsadm -A -t 198.51.100.99:1 -s ovf").exitCode())
        .as("precondition: the kernel lacks ovf")
        .isNotZero();
    Pod pod = node2.addPod("ovf-2");
    Service service =
        k8s.serviceBuilder("ovf", "10.96.16.40", Workloads.tcp(80, Pod.HTTP_PORT))
            .editMetadata()
            .addToAnnotations("kipvs.io/scheduler", "ovf")
            .endMetadata()
            .build();
    k8s.apply(service);
    k8s.httpEndpoints("ovf", List.of(pod));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.16.40", 80, 2).equals(Map.of("ovf-2", 2)));
    assertThat(node1.run("ipvsadm -Sn")).contains("-A -t 10.96.16.40:80 -s rr");
    // Later syncs (one every 10 s) do not repeat it.
    k8s.httpEndpoints("ovf", List.of(pod, node1.addPod("ovf-1")));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(ThreeNodeClusterTest.realServersOf(node1, "10.96.16.40:80")).hasSize(2));
    assertThat(
            daemons
                .get(0)
                .process()
                .log()
                .lines()
                .filter(l -> l.contains("asks for IPVS scheduler"))
                .toList())
        .singleElement()
        .asString()
        .contains("default/ovf")
        .contains("\"ovf\"")
        .contains("\"rr\"");
  }

  /**
   * Issue 16, kube-ipvs0: kipvs leaves the dummy link down, as upstream (so it has no IPv6
   * link-local address), and the service addresses bound there are local all the same: a cluster IP
   * answers from the node.
   */
  @Test
  void kubeIpvs0IsLeftDownAndItsAddressesServe() {
    Pod pod = node2.addPod("down-2");
    k8s.clusterIpService("down", "10.96.16.50", 80);
    k8s.httpEndpoints("down", List.of(pod));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.16.50", 80, 2).equals(Map.of("down-2", 2)));
    for (Node n : List.of(node1, node2)) {
      String link = n.run("ip -o link show kube-ipvs0");
      assertThat(link).as("%s", n).contains("state DOWN").doesNotContainPattern("[<,]UP[,>]");
      assertThat(n.run("ip -o addr show dev kube-ipvs0"))
          .contains("10.96.16.50/32")
          .doesNotContain("fe80:");
    }
  }

  private static Service nodePortService(
      String name, String clusterIp, int nodePort, String policy) {
    Service service = k8s.serviceBuilder(name, clusterIp, Workloads.tcp(80, Pod.HTTP_PORT)).build();
    service.getSpec().setType("NodePort");
    service.getSpec().getPorts().get(0).setNodePort(nodePort);
    service.getSpec().setExternalTrafficPolicy(policy);
    return service;
  }

  private static KipvsDaemon daemonOf(Node n) {
    return daemons.get(n == node1 ? 0 : 1);
  }

  /** The value of a metric (its first series) in Prometheus text, if present. */
  static Optional<Double> metric(String text, String name) {
    java.util.regex.Pattern line =
        java.util.regex.Pattern.compile(
            "(?m)^" + java.util.regex.Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)");
    java.util.regex.Matcher m = line.matcher(text);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }
}
