package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15, "Service conformance on real kernels": the Service behaviours upstream's sig-network
 * e2e checks (and a few IPVS mode got wrong upstream), with real packets on three nodes, each
 * running kipvs with the DaemonSet's flags. Every scenario has its own services (cluster IPs in
 * 10.96.130.0-10.96.159.255, node ports 31500-31999) and pods, so the order does not matter.
 */
class ServiceLifecycleConformanceTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration SYNC_PERIOD = Duration.ofSeconds(10);
  // Scenario 14 restarts node 3's daemon with this minimum period for its own run only: writing 50
  // changes through the mock API server took 16 s on a busy machine, and every other scenario
  // would wait that long at each change.
  private static final Duration MIN_SYNC_PERIOD = Duration.ofSeconds(30);
  // A deadline, not a figure: on a busy 2-core machine a round of requests from a node can take
  // seconds.
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
    nodes = testbed.startCluster(3, NodeOptions.named("conf").withHostLink());
    node1 = nodes.get(0);
    node2 = nodes.get(1);
    node3 = nodes.get(2);
    nodes.forEach(n -> k8s.node(n, "zone-a"));
    daemons.addAll(KipvsDaemon.startHealthyOnEach(nodes, api, classFlags(List.of())));
  }

  /** The class's flags after the DaemonSet's, then {@code extra}. */
  private static List<String> classFlags(List<String> extra) {
    List<String> flags = new ArrayList<>();
    flags.add("--ipvs-sync-period=" + SYNC_PERIOD.toSeconds() + "s");
    flags.add("--cluster-cidr=10.244.0.0/16");
    flags.addAll(extra);
    return flags;
  }

  /** Stops a node's daemon (SIGTERM leaves every rule) and starts it with other flags. */
  private static void restartDaemon(Node node, List<String> extra) {
    int index = nodes.indexOf(node);
    assertThat(daemons.get(index).terminate(Duration.ofSeconds(60))).isEqualTo(143);
    daemons.set(index, KipvsDaemon.startHealthy(node, api, classFlags(extra)));
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  /**
   * Scenario 6: a service with a cluster IP, a NodePort and an external IP deleted while a client
   * keeps requesting it. On every node its virtual servers, its kube-ipvs0 addresses and its ipset
   * members go; new connections fail; a neighbouring service keeps answering.
   */
  @Test
  void deletingAServiceUnderTrafficRemovesEverythingItHad() {
    Pod pod = node2.addPod("gone-1");
    Pod keptPod = node3.addPod("kept-1");
    Service gone =
        k8s.serviceBuilder("gone", "10.96.130.10", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("NodePort")
            .withExternalIPs("192.0.2.130")
            .endSpec()
            .build();
    gone.getSpec().getPorts().get(0).setNodePort(31500);
    k8s.apply(gone);
    k8s.httpEndpoints("gone", List.of(pod));
    k8s.clusterIpService("kept", "10.96.130.11", 80);
    k8s.httpEndpoints("kept", List.of(keptPod));
    String node2Address = node2.switchAddress().orElseThrow();
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                fromNode1.http("10.96.130.10", 80, 1).equals(Map.of("gone-1", 1))
                    && fromNode1.http("192.0.2.130", 80, 1).equals(Map.of("gone-1", 1))
                    && fromNode1.http(node2Address, 31500, 1).equals(Map.of("gone-1", 1))
                    && fromNode1.http("10.96.130.11", 80, 1).equals(Map.of("kept-1", 1)));
    for (Node n : nodes) {
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> {
                String state = kernelState(n);
                assertThat(state)
                    .contains("-A -t 10.96.130.10:80 ")
                    .contains("-A -t 192.0.2.130:80 ")
                    .contains("-A -t " + n.switchAddress().orElseThrow() + ":31500 ")
                    .contains("inet 10.96.130.10/32")
                    .contains("inet 192.0.2.130/32")
                    .contains("add KUBE-CLUSTER-IP 10.96.130.10,tcp:80")
                    .contains("add KUBE-EXTERNAL-IP 192.0.2.130,tcp:80")
                    .contains("add KUBE-NODE-PORT-TCP 31500");
              });
    }
    assertThat(kernelState(node2))
        .as("the local endpoint's hairpin member")
        .contains("add KUBE-LOOP-BACK " + pod.ip() + ",tcp:8080," + pod.ip());

    // A client on node 1 requests the service four times a second until told to stop.
    node1.run(
        "(while [ ! -e /run/out/gone-stop ]; do"
            + " curl -s --max-time 2 http://10.96.130.10/ || echo \"!exit=$?\"; echo;"
            + " sleep 0.25; done > /run/out/gone-client.txt 2>&1 </dev/null &)");
    await()
        .atMost(CONVERGE)
        .until(() -> node1.run("cat /run/out/gone-client.txt").contains("gone-1"));

    k8s.deleteService("gone");

    try {
      for (Node n : nodes) {
        await()
            .atMost(CONVERGE)
            .untilAsserted(
                () -> {
                  String state = kernelState(n);
                  assertThat(state)
                      .doesNotContain("10.96.130.10")
                      .doesNotContain("192.0.2.130")
                      .doesNotContain(":31500 ")
                      .doesNotContain(" 31500\n")
                      .doesNotContain(pod.ip() + ":8080", pod.ip() + ",tcp")
                      .contains("-A -t 10.96.130.11:80 ")
                      .contains("inet 10.96.130.11/32")
                      .contains("add KUBE-CLUSTER-IP 10.96.130.11,tcp:80");
                });
      }
      // The pod still runs: only the proxy could still lead a new connection to it.
      for (String url :
          List.of(
              "http://10.96.130.10/",
              "http://192.0.2.130/",
              "http://" + node2Address + ":31500/")) {
        ExecResult after = node1.exec("curl -sS --max-time 3 " + url);
        assertThat(after.exitCode()).as("curl %s after the delete: %s", url, after).isNotZero();
        assertThat(after.stdout()).doesNotContain("gone-1");
      }
      assertThat(fromNode1.http("10.96.130.11", 80, 2)).isEqualTo(Map.of("kept-1", 2));
      assertThat(new Traffic(keptPod::exec).http("10.96.130.11", 80, 1))
          .isEqualTo(Map.of("kept-1", 1));
    } finally {
      node1.run("touch /run/out/gone-stop");
    }
    List<String> answers =
        node1.run("cat /run/out/gone-client.txt").lines().filter(l -> !l.isBlank()).toList();
    assertThat(answers).contains("gone-1");
    assertThat(answers.get(answers.size() - 1))
        .as("the running client's last requests fail")
        .startsWith("!exit=");
  }

  /**
   * Scenario 7: a service without a ready endpoint refuses a client at once, as kube-proxy's
   * iptables and nftables modes do (upstream "should be rejected when no endpoints exist"): TCP
   * connect fails with ECONNREFUSED, a connected UDP socket's recv fails with ECONNREFUSED (the
   * ICMP port unreachable), from a pod through the cluster IP and from another node through the
   * NodePort; also with ClientIP session affinity.
   */
  @Test
  void aServiceWithoutReadyEndpointsRejectsAtOnce() {
    Pod unready = node2.addPod("noep-1");
    Pod client = node1.addPod("noep-client");
    for (String name : List.of("noep", "noep-aff")) {
      boolean affinity = name.equals("noep-aff");
      Service service =
          k8s.serviceBuilder(
                  name,
                  affinity ? "10.96.131.11" : "10.96.131.10",
                  Workloads.tcp(80, Pod.HTTP_PORT),
                  Workloads.udp(53, Pod.UDP_PORT))
              .editSpec()
              .withType("NodePort")
              .withSessionAffinity(affinity ? "ClientIP" : "None")
              .endSpec()
              .build();
      service.getSpec().getPorts().get(0).setNodePort(affinity ? 31512 : 31510);
      service.getSpec().getPorts().get(1).setNodePort(affinity ? 31513 : 31511);
      k8s.apply(service);
      // The pod exists but is not ready: the controller lists it with ready=false.
      k8s.endpoints(name, name, "http", "TCP", Pod.HTTP_PORT, List.of(endpoint(unready, false)));
    }
    String node2Address = node2.switchAddress().orElseThrow();
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Sn"))
                    .contains("-A -t 10.96.131.10:80 ", "-A -u 10.96.131.10:53 ")
                    .contains("-A -t 10.96.131.11:80 ", "-A -u 10.96.131.11:53 "));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node2.run("ipvsadm -Sn"))
                    .contains("-A -t " + node2Address + ":31510 ")
                    .contains("-A -u " + node2Address + ":31511 ")
                    .contains("-A -t " + node2Address + ":31512 ")
                    .contains("-A -u " + node2Address + ":31513 "));

    List<String> checks = new ArrayList<>();
    StringBuilder fromPod = new StringBuilder();
    StringBuilder fromNode = new StringBuilder();
    for (String ip : List.of("10.96.131.10", "10.96.131.11")) {
      fromPod.append(tcpProbe(ip, 80)).append(udpProbe(ip, 53));
      checks.add("tcp " + ip + ":80");
      checks.add("udp " + ip + ":53");
    }
    for (int port : List.of(31510, 31512)) {
      fromNode.append(tcpProbe(node2Address, port)).append(udpProbe(node2Address, port + 1));
    }
    List<String> podResults = client.run(fromPod.toString()).lines().toList();
    List<String> nodeResults = node1.run(fromNode.toString()).lines().toList();
    List<String> results = new ArrayList<>(podResults);
    results.addAll(nodeResults);
    assertThat(results).hasSize(8);
    for (String line : results) {
      // "<probe> <outcome> <milliseconds>"
      String[] f = line.split(" ");
      assertThat(f[2]).as("outcome of %s", line).isEqualTo("ECONNREFUSED");
      assertThat(Long.parseLong(f[3])).as("refused at once: %s", line).isLessThan(3000);
    }
  }

  /**
   * Scenario 8 (kubernetes/kubernetes#72236): a cluster IP answers only on the service's ports. The
   * node's healthz port (10256) and an SSH-like listener on the node are not reachable through it,
   * from a pod nor from a host on the nodes' network, while the service's own port works.
   */
  @Test
  void portsAServiceDoesNotExposeAreUnreachableThroughItsAddress() {
    Pod server = node2.addPod("onlyport-1");
    Pod client = node1.addPod("onlyport-client");
    k8s.clusterIpService("onlyport", "10.96.132.10", 80);
    k8s.httpEndpoints("onlyport", List.of(server));
    // An SSH-like listener on node 1, on every address.
    node1.run(
        "setsid perl -MIO::Socket::INET -e '"
            + "my $l = IO::Socket::INET->new(LocalPort => 2222, Listen => 5, ReuseAddr => 1) or die;"
            + " while (my $c = $l->accept) { print $c \"SSH-2.0-fake\\r\\n\"; close $c }'"
            + " </dev/null >/dev/null 2>&1 &");
    // A host on the switch that is no node: a namespace on node 3 with its own address on eth1
    // (ipvlan), routing the service range to node 1.
    String node1Address = node1.switchAddress().orElseThrow();
    node3.run(
        "modprobe -d /run/mods ipvlan 2>/dev/null || modprobe ipvlan;"
            + " ip netns add outside; ip link add outside0 link eth1 type ipvlan mode l2;"
            + " ip link set outside0 netns outside;"
            + " ip -n outside link set lo up; ip -n outside link set outside0 up;"
            + " ip -n outside addr add 192.168.50.200/24 dev outside0;"
            + " ip -n outside route add 10.96.132.0/24 via "
            + node1Address);
    try {
      // The listener and healthz answer on the node's own address: what must not leak is their
      // reach through the cluster IP.
      assertThat(
              node3.run(
                  "ip netns exec outside curl -s --max-time 5 http://"
                      + node1Address
                      + ":10256/healthz -o /dev/null -w '%{http_code}'"))
          .isEqualTo("200");
      assertThat(
              node3.run(
                  "ip netns exec outside curl -s --max-time 5 telnet://"
                      + node1Address
                      + ":2222 </dev/null; true"))
          .contains("SSH-2.0-fake");
      Traffic fromClient = new Traffic(client::exec);
      Traffic fromOutside =
          new Traffic(s -> node3.exec("ip netns exec outside sh -c " + quoted(s)));
      await()
          .atMost(CONVERGE)
          .until(
              () ->
                  fromClient.http("10.96.132.10", 80, 1).equals(Map.of("onlyport-1", 1))
                      && fromOutside.http("10.96.132.10", 80, 1).equals(Map.of("onlyport-1", 1)));
      String probes =
          "for p in 10256 2222 22 10249; do"
              + " curl -s --max-time 5 telnet://10.96.132.10:$p </dev/null >/dev/null 2>&1;"
              + " echo \"$p $?\"; done";
      for (String where : List.of("pod", "outside", "node")) {
        String out =
            switch (where) {
              case "pod" -> client.run(probes);
              case "outside" -> node3.run("ip netns exec outside sh -c " + quoted(probes));
              default -> node1.run(probes);
            };
        assertThat(out.lines().toList())
            .as("curl exit codes from the %s (7: refused)", where)
            .containsExactly("10256 7", "2222 7", "22 7", "10249 7");
      }
    } finally {
      node3.run("ip netns del outside; true");
    }
  }

  /**
   * Scenario 10, publishNotReadyAddresses: the slice controller marks every endpoint ready, even an
   * unready or terminating pod, and kube-proxy uses it (upstream "should be able to connect to
   * terminating and unready endpoints if PublishNotReadyAddresses is true"); without the field the
   * same pod is not used ("should not be able to connect to terminating and unready endpoints if
   * PublishNotReadyAddresses is false").
   */
  @Test
  void publishNotReadyAddressesUsesUnreadyAndTerminatingEndpoints() {
    Pod pod = node2.addPod("pnr-1");
    Pod other = node3.addPod("nopnr-1");
    k8s.apply(
        k8s.serviceBuilder("pnr", "10.96.133.10", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withPublishNotReadyAddresses(true)
            .endSpec()
            .build());
    k8s.clusterIpService("nopnr", "10.96.133.11", 80);
    Traffic fromNode1 = new Traffic(node1::exec);

    // An unready pod as the controller lists it for such a service: ready, not serving.
    k8s.endpoints(
        "pnr", "pnr", "http", "TCP", Pod.HTTP_PORT, List.of(endpoint(pod, true, false, false)));
    k8s.endpoints(
        "nopnr",
        "nopnr",
        "http",
        "TCP",
        Pod.HTTP_PORT,
        List.of(endpoint(other, false, false, true)));
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.133.10", 80, 2).equals(Map.of("pnr-1", 2)));
    // Terminating too: still ready (publishNotReadyAddresses), not serving.
    k8s.endpoints(
        "pnr", "pnr", "http", "TCP", Pod.HTTP_PORT, List.of(endpoint(pod, true, false, true)));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Sn"))
                    .contains("-A -t 10.96.133.11:80 ")
                    .contains("-a -t 10.96.133.10:80 -r " + pod.ip() + ":8080 -m -w 1"));
    assertThat(fromNode1.http("10.96.133.10", 80, 2)).isEqualTo(Map.of("pnr-1", 2));
    assertThat(weightedRealServersOf(node1, "10.96.133.11:80"))
        .as("an unready terminating endpoint of a service without the field")
        .isEmpty();
    ExecResult refused = node1.exec("curl -s --max-time 5 http://10.96.133.11/");
    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(7);
  }

  /**
   * Scenario 10, terminating endpoints (ProxyTerminatingEndpoints): a serving terminating endpoint
   * takes traffic only while no endpoint is ready (upstream "should fallback to terminating
   * endpoints when there are no ready endpoints with internalTrafficPolicy=Cluster").
   */
  @Test
  void terminatingEndpointsServeOnlyWhileNoneIsReady() {
    Pod ready = node2.addPod("term-ready");
    Pod terminating = node3.addPod("term-going");
    Pod later = node3.addPod("term-later");
    k8s.clusterIpService("term", "10.96.133.20", 80);
    Traffic fromNode1 = new Traffic(node1::exec);
    k8s.endpoints(
        "term",
        "term",
        "http",
        "TCP",
        Pod.HTTP_PORT,
        List.of(endpoint(ready, true, true, false), endpoint(terminating, false, true, true)));
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.133.20", 80, 4).equals(Map.of("term-ready", 4)));
    assertThat(weightedRealServersOf(node1, "10.96.133.20:80"))
        .containsExactly(ready.ip() + ":8080");

    // The ready one goes: the terminating one serves until a ready one comes.
    k8s.endpoints(
        "term",
        "term",
        "http",
        "TCP",
        Pod.HTTP_PORT,
        List.of(endpoint(terminating, false, true, true)));
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.133.20", 80, 4).equals(Map.of("term-going", 4)));

    k8s.endpoints(
        "term",
        "term",
        "http",
        "TCP",
        Pod.HTTP_PORT,
        List.of(endpoint(terminating, false, true, true), endpoint(later, true, true, false)));
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http("10.96.133.20", 80, 4).equals(Map.of("term-later", 4)));
    assertThat(weightedRealServersOf(node1, "10.96.133.20:80"))
        .containsExactly(later.ip() + ":8080");
  }

  /**
   * Scenario 10, readiness: a pod that becomes unready (ready=false, serving=false) leaves the
   * service, and comes back when it is ready again.
   */
  @Test
  void anUnreadyPodLeavesTheServiceAndComesBack() {
    Pod steady = node2.addPod("unr-1");
    Pod flapping = node3.addPod("unr-2");
    k8s.clusterIpService("unr", "10.96.133.30", 80);
    Traffic fromNode1 = new Traffic(node1::exec);
    for (boolean flappingReady : List.of(true, false, true)) {
      k8s.endpoints(
          "unr",
          "unr",
          "http",
          "TCP",
          Pod.HTTP_PORT,
          List.of(endpoint(steady, true), endpoint(flapping, flappingReady)));
      Map<String, Integer> expected =
          flappingReady ? Map.of("unr-1", 3, "unr-2", 3) : Map.of("unr-1", 6);
      await().atMost(CONVERGE).until(() -> fromNode1.http("10.96.133.30", 80, 6).equals(expected));
      assertThat(weightedRealServersOf(node1, "10.96.133.30:80")).hasSize(flappingReady ? 2 : 1);
    }
  }

  /**
   * Scenario 11: a client sending UDP continuously from one source port to a cluster IP keeps
   * getting answers when the server pod is replaced by one on another node (upstream "should be
   * able to preserve UDP traffic when server pod cycles for a ClusterIP service"), and the client's
   * node keeps no conntrack entry to the removed backend (with the node's settings as kipvs makes
   * them, the kernel's own expiry and the daemon's flush both remove it; the next test checks the
   * daemon's flush alone).
   */
  @Test
  void udpTrafficSurvivesAServerPodCycleAndItsConntrackEntriesGo() {
    Pod first = node2.addPod("udpcyc-1");
    Pod client = node1.addPod("udpcyc-client");
    k8s.apply(
        k8s.serviceBuilder("udpcyc", "10.96.134.10", Workloads.udp(53, Pod.UDP_PORT)).build());
    k8s.endpoints("udpcyc", "udp", "UDP", Pod.UDP_PORT, List.of(first));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(node1.run("ipvsadm -Sn"))
                    .contains("-a -u 10.96.134.10:53 -r " + first.ip() + ":8080 "));
    // One datagram every 200 ms from source port 40053, each answer (or its absence) logged.
    client.run(
        "setsid perl -MIO::Socket::INET -e '"
            + " $| = 1;"
            + " my $s = IO::Socket::INET->new(PeerAddr => \"10.96.134.10\", PeerPort => 53,"
            + " LocalPort => 40053, Proto => \"udp\") or die \"socket: $!\";"
            + " while (! -e \"/run/out/udpcyc-stop\") {"
            + "   $s->send(\"q\");"
            + "   my $answer = \"!none\";"
            + "   eval { local $SIG{ALRM} = sub { die \"timeout\\n\" }; alarm 1;"
            + "     my $r = $s->recv(my $m, 65535); alarm 0;"
            + "     $answer = defined $r ? $m : \"!error\" };"
            + "   print \"$answer\\n\";"
            + "   select(undef, undef, undef, 0.2);"
            + " }' </dev/null >/run/out/udpcyc-client.txt 2>&1 &");
    try {
      await()
          .atMost(CONVERGE)
          .until(() -> node1.run("cat /run/out/udpcyc-client.txt").contains("udpcyc-1"));
      assertThat(conntrackOf(node1, "10.96.134.10")).contains("src=" + first.ip() + " ");

      first.delete();
      Pod second = node3.addPod("udpcyc-2");
      k8s.endpoints("udpcyc", "udp", "UDP", Pod.UDP_PORT, List.of(second));
      await()
          .atMost(CONVERGE)
          .until(() -> node1.run("tail -n 3 /run/out/udpcyc-client.txt").contains("udpcyc-2"));
      // The steady flow is answered by the new pod from now on.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  node1
                      .run("tail -n 5 /run/out/udpcyc-client.txt")
                      .lines()
                      .allMatch(l -> l.equals("udpcyc-2")));
      String entries = conntrackOf(node1, "10.96.134.10");
      assertThat(entries).contains("src=" + second.ip() + " ");
      assertThat(entries).doesNotContain("src=" + first.ip() + " ");
    } finally {
      node1.run("touch /run/out/udpcyc-stop");
    }
  }

  /**
   * Scenario 11, the daemon's flush on its own: a removed UDP backend's conntrack entries on the
   * client's node are gone within seconds of the sync that removed it, long before the UDP
   * conntrack timeout (30 s) would drop them. Since Linux 5.9, IPVS itself expires the connections
   * of a deleted real server when net.ipv4.vs.expire_nodest_conn is 1 (which kipvs sets, as
   * kube-proxy does), and drops their conntrack entries with them; so that this test fails without
   * the daemon's {@code conntrack -D} (kubernetes/kubernetes#71514), the client's node has that
   * sysctl at 0 during the test, as on the older kernels the flush is there for.
   */
  @Test
  void conntrackEntriesOfARemovedUdpBackendAreFlushed() {
    Pod going = node2.addPod("udpgone-1");
    Pod staying = node3.addPod("udpgone-2");
    k8s.apply(
        k8s.serviceBuilder("udpgone", "10.96.134.20", Workloads.udp(53, Pod.UDP_PORT)).build());
    k8s.endpoints("udpgone", "udp", "UDP", Pod.UDP_PORT, List.of(going));
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.udp("10.96.134.20", 53, 1).equals(Map.of("udpgone-1", 1)));
    // kipvs writes its sysctls at start only: this lasts until the finally below.
    node1.run("sysctl -qw net.ipv4.vs.expire_nodest_conn=0");
    try {
      // Entries from several source ports, as a resolver's queries leave them.
      assertThat(fromNode1.udp("10.96.134.20", 53, 3)).isEqualTo(Map.of("udpgone-1", 3));
      assertThat(conntrackOf(node1, "10.96.134.20")).contains("src=" + going.ip() + " ");

      k8s.endpoints("udpgone", "udp", "UDP", Pod.UDP_PORT, List.of(staying));
      await()
          .atMost(CONVERGE)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(realServersOf(node1, "-u", "10.96.134.20:53"))
                      .containsExactly(staying.ip() + ":8080"));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(conntrackOf(node1, "10.96.134.20"))
                      .doesNotContain("src=" + going.ip() + " "));
      assertThat(fromNode1.udp("10.96.134.20", 53, 2)).isEqualTo(Map.of("udpgone-2", 2));
    } finally {
      node1.run("sysctl -qw net.ipv4.vs.expire_nodest_conn=1");
    }
  }

  /**
   * Scenario 14: {@code --ipvs-min-sync-period}. With node 3's daemon restarted with a 30 s minimum
   * period (for this test only), a burst of 50 endpoint changes written within one such period
   * reaches the kernel in at most two syncs (the first change at once or after the period, the rest
   * together), read from the daemon's kubeproxy_sync_proxy_rules_duration_seconds_count; and the
   * final state is right.
   */
  @Test
  void aBurstOfEndpointChangesWithinTheMinSyncPeriodTakesAtMostTwoSyncs() {
    List<Pod> pods = List.of(node1.addPod("burst-1"), node2.addPod("burst-2"));
    k8s.clusterIpService("burst", "10.96.135.10", 80);
    k8s.httpEndpoints("burst", List.of(pods.get(0)));
    Traffic fromNode3 = new Traffic(node3::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode3.http("10.96.135.10", 80, 1).equals(Map.of("burst-1", 1)));
    restartDaemon(
        node3,
        List.of(
            "--ipvs-sync-period=" + MIN_SYNC_PERIOD.multipliedBy(2).toSeconds() + "s",
            "--ipvs-min-sync-period=" + MIN_SYNC_PERIOD.toSeconds() + "s"));
    try {
      long before = syncCount(node3);
      long start = System.nanoTime();
      // 49 changes through addresses no pod has (10.244.3.100 ..), then the final one: both pods.
      for (int i = 0; i < 49; i++) {
        Endpoint nowhere =
            new EndpointBuilder()
                .withAddresses("10.244.3." + (100 + i))
                .withNodeName(node3.name())
                .withNewConditions()
                .withReady(true)
                .withServing(true)
                .withTerminating(false)
                .endConditions()
                .build();
        k8s.endpoints("burst", "burst", "http", "TCP", Pod.HTTP_PORT, List.of(nowhere));
      }
      k8s.httpEndpoints("burst", pods);
      Duration writing = Duration.ofNanos(System.nanoTime() - start);
      assertThat(writing)
          .as("the burst must fit in one minimum sync period for the test to mean anything")
          .isLessThan(MIN_SYNC_PERIOD.minusSeconds(5));
      await()
          .atMost(CONVERGE)
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () ->
                  assertThat(weightedRealServersOf(node3, "10.96.135.10:80"))
                      .containsExactly(pods.get(0).ip() + ":8080", pods.get(1).ip() + ":8080"));
      long after = syncCount(node3);
      assertThat(after - before)
          .as("syncs for 50 changes written in %s", writing)
          .isBetween(1L, 2L);
      // Removed real servers drain at weight 0: the addresses of the burst take no traffic.
      assertThat(fromNode3.http("10.96.135.10", 80, 4))
          .isEqualTo(Map.of("burst-1", 2, "burst-2", 2));
    } finally {
      restartDaemon(node3, List.of());
    }
  }

  /**
   * Scenario 15: an address added to a node while kipvs runs gets the node's NodePorts within one
   * sync period (kube-proxy's IPVS mode takes every local address of the node when
   * --nodeport-addresses is empty, and reads them at each sync); a NodePort service answers on it,
   * and when the address goes its virtual server goes.
   */
  @Test
  void aNodeAddressAddedWhileRunningGetsTheNodePorts() {
    Pod pod = node3.addPod("naddr-1");
    Service service =
        k8s.serviceBuilder("naddr", "10.96.136.10", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withType("NodePort")
            .endSpec()
            .build();
    service.getSpec().getPorts().get(0).setNodePort(31520);
    k8s.apply(service);
    k8s.httpEndpoints("naddr", List.of(pod));
    String node2Address = node2.switchAddress().orElseThrow();
    Traffic fromNode1 = new Traffic(node1::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode1.http(node2Address, 31520, 1).equals(Map.of("naddr-1", 1)));
    assertThat(node2.run("ipvsadm -Sn")).doesNotContain("192.168.60.2:");

    // Node 1 reaches the new address over the switch (node 2 answers ARP for any of its own).
    node1.run("ip route add 192.168.60.2/32 dev eth1");
    node2.run("ip addr add 192.168.60.2/24 dev eth1");
    long added = System.nanoTime();
    try {
      await()
          .atMost(CONVERGE)
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () ->
                  assertThat(realServersOf(node2, "-t", "192.168.60.2:31520"))
                      .containsExactly(pod.ip() + ":8080"));
      Duration took = Duration.ofNanos(System.nanoTime() - added);
      // One sync period, plus what a full sync and this poll take on a busy node.
      assertThat(took).isLessThan(SYNC_PERIOD.plusSeconds(10));
      await()
          .atMost(CONVERGE)
          .until(() -> fromNode1.http("192.168.60.2", 31520, 2).equals(Map.of("naddr-1", 2)));
    } finally {
      node2.run("ip addr del 192.168.60.2/24 dev eth1; true");
      node1.run("ip route del 192.168.60.2/32 dev eth1; true");
    }
    await()
        .atMost(CONVERGE)
        .untilAsserted(() -> assertThat(node2.run("ipvsadm -Sn")).doesNotContain("192.168.60.2:"));
    assertThat(fromNode1.http(node2Address, 31520, 1)).isEqualTo(Map.of("naddr-1", 1));
  }

  /** A word for sh: the text in single quotes. */
  private static String quoted(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /** IPVS table, kube-ipvs0's addresses and every ipset member of a node, in one exec. */
  private static String kernelState(Node node) {
    return node.run("ipvsadm -Sn; ip -4 addr show dev kube-ipvs0; ipset save");
  }

  /** The node's UDP conntrack entries to one service address. */
  private static String conntrackOf(Node node, String address) {
    return node.run("conntrack -L -p udp --orig-dst " + address + " 2>/dev/null; true");
  }

  private static final Pattern SYNC_COUNT =
      Pattern.compile(
          "(?m)^kubeproxy_sync_proxy_rules_duration_seconds_count(?:\\{[^}]*})? (\\S+)");

  /** How many syncs the node's daemon has made, from its metrics. */
  private static long syncCount(Node node) {
    String metrics = node.run("curl -s --max-time 5 http://127.0.0.1:10249/metrics");
    Matcher m = SYNC_COUNT.matcher(metrics);
    assertThat(m.find()).as("sync count in the metrics:%n%s", metrics).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  /**
   * A shell snippet printing "tcp IP:PORT OUTCOME MILLIS" for one TCP connect: OUTCOME is
   * ECONNREFUSED when it was refused (a reset or an ICMP port unreachable; not "no route to host",
   * which curl reports with the same exit code), "connected", "timeout" after 10 s, or the errno.
   */
  private static String tcpProbe(String ip, int port) {
    return probe("tcp", ip, port, "");
  }

  /**
   * A shell snippet printing "udp IP:PORT OUTCOME MILLIS" for one datagram from a connected socket:
   * OUTCOME is ECONNREFUSED when recv failed with it (an ICMP port unreachable came back), "answer"
   * when a datagram came, "timeout" after 10 s, or the errno.
   */
  private static String udpProbe(String ip, int port) {
    return probe(
        "udp",
        ip,
        port,
        " $s->send(\"q\"); my $r = $s->recv(my $m, 65535);"
            + " $o = defined $r ? \"answer\" : $!{ECONNREFUSED} ? \"ECONNREFUSED\" : \"errno=\" . ($!+0);");
  }

  /** One connect (then {@code exchange}, for UDP) in perl, which can name the errno it got. */
  private static String probe(String protocol, String ip, int port, String exchange) {
    return ("perl -MIO::Socket::INET -MTime::HiRes=time -e '"
            + " my ($proto, $ip, $port) = @ARGV; my $t = time; my $o = \"timeout\";"
            + " eval { local $SIG{ALRM} = sub { die \"timeout\\n\" }; alarm 10;"
            + "   my $s = IO::Socket::INET->new(PeerAddr => $ip, PeerPort => $port, Proto => $proto);"
            + "   if (!$s) { $o = $!{ECONNREFUSED} ? \"ECONNREFUSED\" : \"errno=\" . ($!+0) }"
            + "   else { $o = \"connected\";%4$s }"
            + "   alarm 0 };"
            + " printf \"%%s %%s:%%s %%s %%d\\n\", $proto, $ip, $port, $o, (time - $t) * 1000;"
            + "' %1$s %2$s %3$d\n")
        .formatted(protocol, ip, port, exchange);
  }

  private static Endpoint endpoint(Pod pod, boolean ready) {
    return endpoint(pod, ready, ready, false);
  }

  /** An endpoint with the three conditions as given (the kit's helper derives serving). */
  private static Endpoint endpoint(Pod pod, boolean ready, boolean serving, boolean terminating) {
    return new EndpointBuilder()
        .withAddresses(pod.ip())
        .withNodeName(pod.node().name())
        .withNewConditions()
        .withReady(ready)
        .withServing(serving)
        .withTerminating(terminating)
        .endConditions()
        .build();
  }

  /** The real servers of one TCP virtual server that take new connections (weight > 0). */
  private static List<String> weightedRealServersOf(Node node, String virtualServer) {
    return node.run("ipvsadm -Sn")
        .lines()
        .filter(l -> l.startsWith("-a -t " + virtualServer + " "))
        .map(l -> l.split(" "))
        .filter(f -> !f[f.length - 1].equals("0"))
        .map(f -> f[4])
        .sorted()
        .toList();
  }

  /** The real servers of one virtual server ({@code -t} or {@code -u}) as "ip:port", sorted. */
  private static List<String> realServersOf(Node node, String protocol, String virtualServer) {
    return node.run("ipvsadm -Sn")
        .lines()
        .filter(l -> l.startsWith("-a " + protocol + " " + virtualServer + " "))
        .map(l -> l.split(" ")[4])
        .sorted()
        .toList();
  }
}
