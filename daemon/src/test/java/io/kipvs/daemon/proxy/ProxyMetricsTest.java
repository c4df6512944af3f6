package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.rs;
import static io.kipvs.daemon.proxy.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.k8s.ChangeCounts;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxyMetricsTest {
  @Test
  void exposesUpstreamSeriesNames() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    ProxyMetrics metrics = new ProxyMetrics(registry);
    metrics.syncDone(Duration.ofMillis(12), 1_700_000_000_000L);
    metrics.networkProgramming(Duration.ofSeconds(2));
    metrics.watching(() -> new ChangeCounts(4, 9, 2, 3), () -> 5);
    metrics.queued(1_700_000_100_000L);
    metrics.probeAnswered(false, 503);
    metrics.probeAnswered(false, 503);
    metrics.probeAnswered(true, 200);
    metrics.noLocalEndpoints(1, 2);
    metrics.operation(
        new IpvsOperation.AddRealServer(tcp("10.96.0.1", 80), rs("10.244.1.5", 80, 1)), true);
    metrics.tableSize(5, 7);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .contains("kubeproxy_sync_proxy_rules_duration_seconds_count 1")
        .contains("kubeproxy_network_programming_duration_seconds_count 1")
        .contains("kubeproxy_sync_proxy_rules_last_timestamp_seconds 1.7E9")
        .contains("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds 1.7000001E9")
        .contains("# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter")
        .contains("kubeproxy_sync_proxy_rules_endpoint_changes_total 9.0")
        .contains("kubeproxy_sync_proxy_rules_service_changes_total 4.0")
        .contains("# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_pending gauge")
        .contains("kubeproxy_sync_proxy_rules_endpoint_changes_pending 3.0")
        .contains("# TYPE kubeproxy_sync_proxy_rules_service_changes_pending gauge")
        .contains("kubeproxy_sync_proxy_rules_service_changes_pending 2.0")
        .contains("# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter")
        .contains("kubeproxy_sync_proxy_rules_iptables_restore_failures_total 5.0")
        .contains("# TYPE kubeproxy_proxy_healthz_total counter")
        .contains("kubeproxy_proxy_healthz_total{code=\"503\"} 2.0")
        .contains("kubeproxy_proxy_livez_total{code=\"200\"} 1.0")
        .contains(
            "kubeproxy_sync_proxy_rules_no_local_endpoints_total{traffic_policy=\"internal\"} 1.0")
        .contains(
            "kubeproxy_sync_proxy_rules_no_local_endpoints_total{traffic_policy=\"external\"} 2.0")
        .contains("kipvs_netlink_operations_total{operation=\"add_real_server\"} 1.0")
        .contains("kipvs_netlink_errors_total{operation=\"add_real_server\"} 1.0")
        .contains("kipvs_virtual_servers 5.0")
        .contains("kipvs_real_servers 7.0");
  }

  @Test
  void countsOperationsByKindAcrossCalls() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    ProxyMetrics metrics = new ProxyMetrics(registry);
    for (int i = 0; i < 3; i++) {
      metrics.operation(
          new IpvsOperation.AddRealServer(tcp("10.96.0.1", 80), rs("10.244.1." + i, 80, 1)), false);
    }
    metrics.operation(
        new IpvsOperation.DeleteRealServer(tcp("10.96.0.1", 80), rs("10.244.1.0", 80, 1).key()),
        false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("kipvs_netlink_operations_total{operation=\"add_real_server\"} 3.0")
        .contains("kipvs_netlink_operations_total{operation=\"delete_real_server\"} 1.0")
        .doesNotContain("kipvs_netlink_errors_total{");
  }
}
