package io.kipvs.e2e.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Traffic;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16, observability, on one node with kipvs started with the DaemonSet's flags (the
 * per-service test restarts it with --ipvs-service-stats-metrics): /healthz and /livez as the Node
 * is tainted for removal or deleted, kube-proxy's metrics with their types, the events kipvs
 * records about its node, and the per-service IPVS counters as traffic flows (and their absence
 * without the flag). Everything is driven through the API server; requests are real, from the node.
 */
class ObservabilityTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final String STATS_FLAG = "--ipvs-service-stats-metrics";
  private static final List<String> FLAGS =
      List.of("--ipvs-sync-period=10s", "--cluster-cidr=10.244.0.0/16");

  static ApiServer api;
  static Workloads k8s;
  static Node node;
  static KipvsDaemon daemon;

  @BeforeAll
  static void boot() {
    api = ApiServer.start();
    k8s = new Workloads(api::client);
    node = testbed.startCluster(1, NodeOptions.named("obs").withHostLink()).get(0);
    k8s.node(node, "zone-a");
    // Without --ipvs-service-stats-metrics; the per-service test restarts it with the flag.
    daemon = KipvsDaemon.startHealthy(node, api, withStats(false));
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  private static List<String> withStats(boolean stats) {
    return stats ? concat(FLAGS, STATS_FLAG) : FLAGS;
  }

  private static List<String> concat(List<String> list, String more) {
    List<String> all = new java.util.ArrayList<>(list);
    all.add(more);
    return all;
  }

  /** Both probes in one process start: "CODE BODY" per line, /healthz first. */
  private static List<String> probes() {
    return node.run(
            "curl -s -o /run/hz -w '%{http_code}' http://127.0.0.1:10256/healthz; echo \" $(cat"
                + " /run/hz)\"; curl -s -o /run/lz -w '%{http_code}' http://127.0.0.1:10256/livez;"
                + " echo \" $(cat /run/lz)\"")
        .lines()
        .toList();
  }

  private static String metrics() {
    return node.run("curl -s http://127.0.0.1:10249/metrics");
  }

  /** The value of the sample with exactly this name and labels, if present. */
  static OptionalDouble sample(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([-+0-9.eE]+)$").matcher(text);
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }

  private static void editNode(
      java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Node> edit) {
    api.client().nodes().withName(node.name()).edit(edit);
  }

  /**
   * Issue 16, healthz: the Node tainted ToBeDeletedByClusterAutoscaler, and then being deleted (a
   * deletionTimestamp), makes /healthz 503 with {@code "nodeEligible": false} while /livez stays
   * 200; untainted and re-created, /healthz is 200 again.
   */
  @Test
  void healthzReportsANodeBeingRemovedAndLivezIgnoresIt() {
    await().atMost(CONVERGE).until(() -> probes().get(0).startsWith("200 "));
    assertThat(probes().get(0)).endsWith(", \"nodeEligible\": true}");

    editNode(
        n ->
            new NodeBuilder(n)
                .editOrNewSpec()
                .addNewTaint()
                .withKey("ToBeDeletedByClusterAutoscaler")
                .withValue("1700000000")
                .withEffect("NoSchedule")
                .endTaint()
                .endSpec()
                .build());
    await().atMost(CONVERGE).until(() -> probes().get(0).startsWith("503 "));
    List<String> tainted = probes();
    assertThat(tainted.get(0)).endsWith(", \"nodeEligible\": false}");
    assertThat(tainted.get(1)).startsWith("200 {\"lastUpdated\": ").doesNotContain("nodeEligible");

    editNode(n -> new NodeBuilder(n).editSpec().withTaints(List.of()).endSpec().build());
    await().atMost(CONVERGE).until(() -> probes().get(0).startsWith("200 "));

    // Deleting a Node that holds a finalizer leaves it with a deletionTimestamp, as the API
    // server does while the finalizer's controller works.
    editNode(
        n ->
            new NodeBuilder(n)
                .editMetadata()
                .addToFinalizers("kipvs.io/test-hold")
                .endMetadata()
                .build());
    api.client().nodes().withName(node.name()).delete();
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(
                        api.client()
                            .nodes()
                            .withName(node.name())
                            .get()
                            .getMetadata()
                            .getDeletionTimestamp())
                    .isNotNull());
    await().atMost(CONVERGE).until(() -> probes().get(0).startsWith("503 "));
    assertThat(probes().get(1)).startsWith("200 ");

    editNode(
        n -> new NodeBuilder(n).editMetadata().withFinalizers(List.of()).endMetadata().build());
    await().atMost(CONVERGE).until(() -> api.client().nodes().withName(node.name()).get() == null);
    k8s.node(node, "zone-a");
    await().atMost(CONVERGE).until(() -> probes().get(0).startsWith("200 "));
  }

  /**
   * Issue 16, metrics: kube-proxy's series kipvs lacked are there with upstream's types;
   * endpoint_changes_total counts EndpointSlice events (four writes of two slices of one service)
   * and service_changes_total Service events (one); the last queued timestamp moves with them.
   */
  @Test
  void kubeProxyMetricsHaveUpstreamsNamesTypesAndCounts() {
    // A labelled counter has no series before its first answer, as in Go's client.
    probes();
    String before = metrics();
    assertThat(before)
        .contains("# TYPE kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds gauge")
        .contains("# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter")
        .contains("# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_pending gauge")
        .contains("# TYPE kubeproxy_sync_proxy_rules_service_changes_pending gauge")
        .contains("# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter")
        .contains("# TYPE kubeproxy_sync_proxy_rules_service_changes_total counter")
        .contains("# TYPE kubeproxy_proxy_healthz_total counter")
        .contains("# TYPE kubeproxy_proxy_livez_total counter")
        .contains("# TYPE kubeproxy_sync_proxy_rules_no_local_endpoints_total gauge")
        .contains(
            "kubeproxy_sync_proxy_rules_no_local_endpoints_total{traffic_policy=\"internal\"}")
        .contains("kubeproxy_sync_proxy_rules_iptables_restore_failures_total 0.0");
    // The test kit's own start-up probes were answered 200.
    assertThat(sample(before, "kubeproxy_proxy_healthz_total{code=\"200\"}").orElse(0))
        .isGreaterThan(0);
    double endpointsBefore =
        sample(before, "kubeproxy_sync_proxy_rules_endpoint_changes_total").orElseThrow();
    double servicesBefore =
        sample(before, "kubeproxy_sync_proxy_rules_service_changes_total").orElseThrow();
    double queuedBefore =
        sample(before, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds").orElse(0);

    Pod a = node.addPod("mc-1");
    Pod b = node.addPod("mc-2");
    k8s.clusterIpService("mc", "10.96.16.20", 80);
    k8s.endpoints(
        "mc", "mc-a", "http", "TCP", Pod.HTTP_PORT, List.of(Workloads.endpoint(a, true, false)));
    k8s.endpoints(
        "mc", "mc-b", "http", "TCP", Pod.HTTP_PORT, List.of(Workloads.endpoint(b, true, false)));
    k8s.endpoints(
        "mc", "mc-a", "http", "TCP", Pod.HTTP_PORT, List.of(Workloads.endpoint(a, false, false)));
    k8s.endpoints(
        "mc", "mc-a", "http", "TCP", Pod.HTTP_PORT, List.of(Workloads.endpoint(a, true, false)));

    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              String now = metrics();
              assertThat(
                      sample(now, "kubeproxy_sync_proxy_rules_endpoint_changes_total").orElseThrow()
                          - endpointsBefore)
                  .isEqualTo(4);
              assertThat(
                      sample(now, "kubeproxy_sync_proxy_rules_service_changes_total").orElseThrow()
                          - servicesBefore)
                  .isEqualTo(1);
              assertThat(
                      sample(now, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds")
                          .orElseThrow())
                  .isGreaterThan(queuedBefore);
              assertThat(sample(now, "kubeproxy_sync_proxy_rules_endpoint_changes_pending"))
                  .hasValue(0);
            });
  }

  /**
   * Issue 16, events: kipvs records a "Starting" event about its Node at start, as kube-proxy
   * (events.k8s.io/v1, reporting controller kube-proxy, action StartKubeProxy).
   */
  @Test
  void startingEventAboutTheNodeIsInTheApiServer() {
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              List<Event> events =
                  api.client().events().v1().events().inNamespace("default").list().getItems();
              assertThat(events)
                  .anySatisfy(
                      e -> {
                        assertThat(e.getReason()).isEqualTo("Starting");
                        assertThat(e.getType()).isEqualTo("Normal");
                        assertThat(e.getAction()).isEqualTo("StartKubeProxy");
                        assertThat(e.getReportingController()).isEqualTo("kube-proxy");
                        assertThat(e.getReportingInstance()).isEqualTo("kube-proxy-" + node.name());
                        assertThat(e.getRegarding().getKind()).isEqualTo("Node");
                        assertThat(e.getRegarding().getName()).isEqualTo(node.name());
                      });
            });
  }

  /**
   * Issue 16, per-service IPVS statistics: without --ipvs-service-stats-metrics there are no such
   * series though traffic flows; restarted with it, the service port's connections, packets and
   * bytes in and out move as requests flow.
   */
  @Test
  void perServiceIpvsCountersMoveWithTrafficAndNeedTheFlag() {
    Pod pod = node.addPod("st-1");
    k8s.clusterIpService("st", "10.96.16.10", 80);
    k8s.httpEndpoints("st", List.of(pod));
    Traffic fromNode = new Traffic(node::exec);
    await()
        .atMost(CONVERGE)
        .until(() -> fromNode.http("10.96.16.10", 80, 1).equals(Map.of("st-1", 1)));
    // Without the flag (the class's daemon): traffic flows, and there are no such series.
    assertThat(fromNode.http("10.96.16.10", 80, 2)).isEqualTo(Map.of("st-1", 2));
    assertThat(metrics())
        .contains("kubeproxy_sync_proxy_rules_last_timestamp_seconds")
        .doesNotContain("kipvs_service_");

    restart(true);
    String labels =
        "{ip_family=\"IPv4\",namespace=\"default\",port_name=\"http\",protocol=\"TCP\","
            + "service=\"st\"}";
    // The kernel folds its per-CPU counters into what a dump reports every 2 seconds (its rate
    // estimator), so the counters are polled.
    String before =
        await()
            .atMost(CONVERGE)
            .until(
                ObservabilityTest::metrics,
                text -> sample(text, "kipvs_service_connections_total" + labels).orElse(0) >= 3);
    assertThat(before)
        .contains("# TYPE kipvs_service_connections_total counter")
        .contains("# TYPE kipvs_service_bytes_out_total counter");
    double connections = sample(before, "kipvs_service_connections_total" + labels).orElseThrow();
    double packetsIn = sample(before, "kipvs_service_packets_in_total" + labels).orElseThrow();
    double packetsOut = sample(before, "kipvs_service_packets_out_total" + labels).orElseThrow();
    double bytesIn = sample(before, "kipvs_service_bytes_in_total" + labels).orElseThrow();
    double bytesOut = sample(before, "kipvs_service_bytes_out_total" + labels).orElseThrow();
    // The kernel's counters: the requests before the restart count too.
    assertThat(connections).isGreaterThanOrEqualTo(3);

    assertThat(fromNode.http("10.96.16.10", 80, 5)).isEqualTo(Map.of("st-1", 5));
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              String after = metrics();
              assertThat(sample(after, "kipvs_service_connections_total" + labels).orElseThrow())
                  .isGreaterThanOrEqualTo(connections + 5);
              assertThat(sample(after, "kipvs_service_packets_in_total" + labels).orElseThrow())
                  .isGreaterThan(packetsIn);
              assertThat(sample(after, "kipvs_service_packets_out_total" + labels).orElseThrow())
                  .isGreaterThan(packetsOut);
              assertThat(sample(after, "kipvs_service_bytes_in_total" + labels).orElseThrow())
                  .isGreaterThan(bytesIn);
              assertThat(sample(after, "kipvs_service_bytes_out_total" + labels).orElseThrow())
                  .isGreaterThan(bytesOut);
            });
  }

  private static void restart(boolean stats) {
    daemon.terminate(Duration.ofSeconds(30));
    daemon = KipvsDaemon.startHealthy(node, api, withStats(stats));
  }
}
