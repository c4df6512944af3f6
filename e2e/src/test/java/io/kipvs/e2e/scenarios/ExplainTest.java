package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.ExecResult;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16, {@code kipvs explain}: run in a UML node as an operator runs it, against the kipvs
 * daemon of that node (the DaemonSet's flags, default debug address 127.0.0.1:10265), for services
 * written through the API server. Each scenario uses its own services; endpoints on "other nodes"
 * are addresses with another node's name, which is all a Local policy reads.
 */
class ExplainTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  // A deadline, not a figure: each explain is a JVM start in the node (seconds on a busy host).
  private static final Duration CONVERGE = Duration.ofSeconds(120);
  private static final String OTHER_NODE = "node-elsewhere";

  static ApiServer api;
  static Workloads k8s;
  static Node node;
  static Pod pod;

  @BeforeAll
  static void boot() {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    node = testbed.startCluster(1, NodeOptions.named("node").withHostLink()).get(0);
    k8s.node(node, "zone-a");
    // A long sync period: the drift made behind kipvs's back stays until explain has seen it.
    KipvsDaemon.startHealthy(
        node, api, List.of("--ipvs-sync-period=1h", "--cluster-cidr=10.244.0.0/16"));
    pod = node.addPod("ex-pod");
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  /** {@code kipvs explain ARGS} in the node. */
  private static ExecResult explain(String... args) {
    List<String> all = new ArrayList<>(List.of("explain"));
    all.addAll(List.of(args));
    return node.exec(KipvsDaemon.commandLine(all), Duration.ofSeconds(120));
  }

  /** Polls explain until its output contains every one of these; returns that output. */
  private static String explainUntil(String service, String... expected) {
    String[] last = {""};
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              ExecResult r = explain(service);
              last[0] = r.stdout();
              assertThat(r.exitCode()).as("exit code; stderr %s", r.stderr()).isZero();
              assertThat(r.stdout()).contains(expected);
            });
    return last[0];
  }

  private static Endpoint ep(
      String address, String nodeName, boolean ready, boolean serving, boolean terminating) {
    return new EndpointBuilder()
        .withAddresses(address)
        .withNodeName(nodeName)
        .withNewConditions()
        .withReady(ready)
        .withServing(serving)
        .withTerminating(terminating)
        .endConditions()
        .build();
  }

  private static Endpoint ready(String address, String nodeName) {
    return ep(address, nodeName, true, true, false);
  }

  private static void slice(String service, Endpoint... endpoints) {
    k8s.endpoints(service, service, "http", "TCP", Pod.HTTP_PORT, List.of(endpoints));
  }

  /**
   * Not ready, terminating while ready endpoints exist, and terminating with serving=false: each
   * endpoint left out with its reason; the ready one is a real server in the kernel as wanted
   * (virtual server, real server, kube-ipvs0 address, ipset members all read from the kernel).
   */
  @Test
  void conditionsAndKernelSideBySide() {
    k8s.clusterIpService("ex-cond", "10.96.20.10", 80);
    slice(
        "ex-cond",
        ready(pod.ip(), node.name()),
        ep("10.244.99.2", OTHER_NODE, false, false, false),
        ep("10.244.99.3", OTHER_NODE, false, true, true),
        ep("10.244.99.4", OTHER_NODE, false, false, true));
    String out =
        explainUntil(
            "default/ex-cond", "The kernel has what kipvs wants", "endpoint 10.244.99.4:8080");
    assertThat(out)
        .contains("Service default/ex-cond on node " + node.name() + " (zone zone-a)")
        .contains("endpoint " + pod.ip() + ":8080 (node " + node.name() + "): real server")
        .contains(
            "endpoint 10.244.99.2:8080 (node "
                + OTHER_NODE
                + "): not a real server: not ready (ready=false, serving=false,"
                + " terminating=false)")
        .contains(
            "endpoint 10.244.99.3:8080 (node "
                + OTHER_NODE
                + "): not a real server: terminating (still serving): not used while ready"
                + " endpoints exist")
        .contains(
            "endpoint 10.244.99.4:8080 (node "
                + OTHER_NODE
                + "): not a real server: terminating and not serving")
        .contains("tcp 10.96.20.10:80  rr | rr  ok")
        .contains("-> " + pod.ip() + ":8080  masquerade, weight 1 | masquerade, weight 1  ok")
        .contains("    10.96.20.10  ok")
        .contains("KUBE-CLUSTER-IP 10.96.20.10,tcp:80  ok")
        .doesNotContain("MISMATCH");
  }

  /** Zone hints for another zone than the node's (its Node's topology label) leave it out. */
  @Test
  void otherZoneByTopologyHints() {
    k8s.clusterIpService("ex-zone", "10.96.20.20", 80);
    Endpoint here =
        new EndpointBuilder(ready(pod.ip(), node.name()))
            .withNewHints()
            .addNewForZone("zone-a")
            .endHints()
            .build();
    Endpoint there =
        new EndpointBuilder(ready("10.244.99.12", OTHER_NODE))
            .withNewHints()
            .addNewForZone("zone-b")
            .endHints()
            .build();
    slice("ex-zone", here, there);
    explainUntil(
        "default/ex-zone",
        "endpoint 10.244.99.12:8080 (node "
            + OTHER_NODE
            + "): not a real server: topology hints for zone zone-b, and this node is in zone"
            + " zone-a",
        "The kernel has what kipvs wants");
  }

  /**
   * externalTrafficPolicy Local: the other node's endpoint serves the cluster IP but not the node
   * port; internalTrafficPolicy Local: not the cluster IP either.
   */
  @Test
  void anotherNodeUnderLocalPolicies() {
    Service external =
        k8s.serviceBuilder("ex-elocal", "10.96.20.30", Workloads.tcp(80, Pod.HTTP_PORT)).build();
    external.getSpec().setType("NodePort");
    external.getSpec().getPorts().get(0).setNodePort(30230);
    external.getSpec().setExternalTrafficPolicy("Local");
    k8s.apply(external);
    slice("ex-elocal", ready(pod.ip(), node.name()), ready("10.244.99.22", OTHER_NODE));
    Service internal =
        k8s.serviceBuilder("ex-ilocal", "10.96.20.31", Workloads.tcp(80, Pod.HTTP_PORT))
            .editSpec()
            .withInternalTrafficPolicy("Local")
            .endSpec()
            .build();
    k8s.apply(internal);
    slice("ex-ilocal", ready(pod.ip(), node.name()), ready("10.244.99.23", OTHER_NODE));

    String out =
        explainUntil(
            "default/ex-elocal",
            "endpoint 10.244.99.22:8080 (node "
                + OTHER_NODE
                + "): cluster IP: real server; node port/external/load-balancer IPs: not a real"
                + " server: on node "
                + OTHER_NODE
                + ", not this node "
                + node.name()
                + ", and externalTrafficPolicy is Local",
            "The kernel has what kipvs wants");
    assertThat(out)
        .contains("nodePort 30230, externalTrafficPolicy Local")
        .contains("KUBE-NODE-PORT-LOCAL-TCP 30230  ok");
    explainUntil(
        "default/ex-ilocal",
        "endpoint 10.244.99.23:8080 (node "
            + OTHER_NODE
            + "): not a real server: on node "
            + OTHER_NODE
            + ", not this node "
            + node.name()
            + ", and internalTrafficPolicy is Local",
        "The kernel has what kipvs wants");
  }

  /**
   * An endpoint in a slice without the service port's name, and an IPv6 endpoint of an IPv4-only
   * service: never candidates, each with its reason; also as JSON (-o json).
   */
  @Test
  void portNameMismatchAndWrongAddressFamily() throws Exception {
    k8s.clusterIpService("ex-port", "10.96.20.40", 80);
    slice("ex-port", ready(pod.ip(), node.name()));
    k8s.endpoints(
        "ex-port",
        "ex-port-metrics",
        "metrics",
        "TCP",
        9090,
        List.of(ready("10.244.99.32", OTHER_NODE)));
    k8s.endpoints(
        "ex-port",
        "ex-port-v6",
        "IPv6",
        "http",
        "TCP",
        Pod.HTTP_PORT,
        List.of(ready("fd00:99::1", OTHER_NODE)));
    explainUntil(
        "default/ex-port",
        "endpoint 10.244.99.32 (node "
            + OTHER_NODE
            + "): not a real server: its EndpointSlice has no port named 'http' of protocol TCP"
            + " (it has 'metrics' TCP 9090)",
        "endpoint [fd00:99::1]:8080 (node "
            + OTHER_NODE
            + "): not a real server: an IPv6 endpoint, and the service has no IPv6 cluster IP",
        "The kernel has what kipvs wants");

    ExecResult json = explain("-o", "json", "default/ex-port");
    assertThat(json.exitCode()).as(json.stderr()).isZero();
    JsonNode report = new ObjectMapper().readTree(json.stdout());
    assertThat(report.get("service").asText()).isEqualTo("default/ex-port");
    List<String> causes = new ArrayList<>();
    for (JsonNode e : report.get("ports").get(0).get("endpoints")) {
      causes.add(e.get("endpoint").asText() + " " + e.get("clusterIps").get("cause").asText());
    }
    assertThat(causes)
        .containsExactlyInAnyOrder(
            pod.ip() + ":8080 null",
            "10.244.99.32 PORT_NAME_MISMATCH",
            "[fd00:99::1]:8080 WRONG_ADDRESS_FAMILY");
    assertThat(report.get("mismatches").asInt()).isZero();
  }

  /**
   * Services kipvs skips say why: another proxy's label (asked of the API server, as the informers
   * never see it), and in --all, which reports every service, headless, type ExternalName and
   * malformed (the reason the daemon logged) beside a served one; a service nobody knows exits 3.
   */
  @Test
  void skippedServicesSayWhyAndAllReportsEveryService() {
    k8s.clusterIpService("ex-all", "10.96.20.70", 80);
    slice("ex-all", ready(pod.ip(), node.name()));
    Service headless = k8s.serviceBuilder("ex-headless", "None", Workloads.tcp(80, 8080)).build();
    k8s.apply(headless);
    Service externalName =
        k8s.serviceBuilder("ex-extname", "10.96.20.51", Workloads.tcp(80, 8080))
            .editSpec()
            .withType("ExternalName")
            .withExternalName("example.com")
            .withClusterIP(null)
            .withClusterIPs(List.of())
            .endSpec()
            .build();
    k8s.apply(externalName);
    Service otherProxy =
        k8s.serviceBuilder("ex-other-proxy", "10.96.20.52", Workloads.tcp(80, 8080))
            .editMetadata()
            .addToLabels("service.kubernetes.io/service-proxy-name", "other-proxy")
            .endMetadata()
            .build();
    k8s.apply(otherProxy);
    Service malformed =
        k8s.serviceBuilder("ex-malformed", "10.96.20.53", Workloads.port("http", "ICMP", 80, 8080))
            .build();
    k8s.apply(malformed);

    explainUntil(
        "default/ex-other-proxy",
        "SKIPPED: label service.kubernetes.io/service-proxy-name=other-proxy: another service"
            + " proxy serves it");
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              ExecResult r = explain("--all");
              assertThat(r.exitCode()).as(r.stderr()).isZero();
              assertThat(r.stdout())
                  .contains("Service default/ex-all on node " + node.name())
                  .contains("tcp 10.96.20.70:80  rr | rr  ok")
                  .contains(
                      "Service default/ex-headless on node "
                          + node.name()
                          + " (zone zone-a)\n  note: last sync")
                  .contains("SKIPPED: headless (clusterIP None): DNS only, nothing to proxy")
                  .contains("SKIPPED: type ExternalName: a DNS name only, nothing to proxy")
                  .contains("SKIPPED: malformed, skipped: port 'http' has unknown protocol 'ICMP'")
                  .contains(
                      "Service default/ex-other-proxy on node "
                          + node.name()
                          + " (zone zone-a)\n  note: last sync")
                  .contains("SKIPPED: label service.kubernetes.io/service-proxy-name=other-proxy");
            });

    ExecResult unknown = explain("default/ex-nothing");
    assertThat(unknown.exitCode()).isEqualTo(3);
    assertThat(unknown.stderr())
        .contains(
            "service default/ex-nothing not found: neither kipvs nor the API server knows it");
  }

  /**
   * What is changed behind kipvs's back shows as mismatches: a real server deleted, the scheduler
   * changed, the address taken off kube-ipvs0, an ipset member deleted.
   */
  @Test
  void kernelDriftIsFlagged() {
    k8s.clusterIpService("ex-drift", "10.96.20.60", 80);
    slice("ex-drift", ready(pod.ip(), node.name()));
    explainUntil("default/ex-drift", "The kernel has what kipvs wants");
    node.run(
        "ipvsadm -d -t 10.96.20.60:80 -r "
            + pod.ip()
            + ":8080; ipvsadm -E -t 10.96.20.60:80 -s wrr;"
            + " ip addr del 10.96.20.60/32 dev kube-ipvs0;"
            + " ipset del KUBE-CLUSTER-IP 10.96.20.60,tcp:80");
    ExecResult r = explain("default/ex-drift");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout())
        .contains("tcp 10.96.20.60:80  rr | wrr  MISMATCH: the kernel's differs")
        .contains(
            "-> " + pod.ip() + ":8080  masquerade, weight 1 | -  MISMATCH: missing from the kernel")
        .contains("    10.96.20.60  MISMATCH: missing from the kernel")
        .contains("KUBE-CLUSTER-IP 10.96.20.60,tcp:80  MISMATCH: missing from the kernel")
        .contains("4 MISMATCH(ES) between what kipvs wants and the kernel");
  }

  /**
   * No daemon answering on the address: a clear sentence and exit 1, no stack trace (the refusal of
   * a non-loopback address is a unit test, ExplainCommandTest).
   */
  @Test
  void noDaemonRunning() {
    ExecResult r = explain("--debug-address=127.0.0.1:10299", "default/ex-cond");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("kipvs explain: no kipvs daemon answers on 127.0.0.1:10299")
        .doesNotContain("\tat ");
  }
}
