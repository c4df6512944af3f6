package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsOperation;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.inject.Inject;
import javax.inject.Singleton;

/** The proxier's metrics, with upstream kube-proxy's names where upstream has one. */
@Singleton
public final class ProxyMetrics {
  private final Histogram syncDuration;
  private final Histogram programmingDuration;
  private final Gauge lastSync;
  private final Counter endpointChanges;
  private final Counter serviceChanges;
  private final AtomicLong noLocalInternal = new AtomicLong();
  private final AtomicLong noLocalExternal = new AtomicLong();
  private final Counter netlinkOperations;
  private final Counter netlinkErrors;
  // The counter's series by operation name: labelValues looks a series up by a list of its label
  // values, which compares lists per call, and a full sync at 10,000 services counts 110,000
  // operations.
  private final Map<String, CounterDataPoint> operationSeries = new ConcurrentHashMap<>();
  private final Gauge virtualServers;
  private final Gauge realServers;

  @Inject
  public ProxyMetrics(PrometheusRegistry registry) {
    syncDuration =
        Histogram.builder()
            .name("kubeproxy_sync_proxy_rules_duration_seconds")
            .help("SyncProxyRules latency in seconds")
            .classicOnly()
            .classicExponentialUpperBounds(0.001, 2, 15)
            .register(registry);
    programmingDuration =
        Histogram.builder()
            .name("kubeproxy_network_programming_duration_seconds")
            .help("In Cluster Network Programming Latency in seconds")
            .classicOnly()
            .classicUpperBounds(
                0.25, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                25, 30, 35, 40, 45, 50, 55, 60, 75, 90, 105, 120, 135, 150, 165, 180, 195, 210, 225,
                240, 255, 270, 285, 300)
            .register(registry);
    lastSync =
        Gauge.builder()
            .name("kubeproxy_sync_proxy_rules_last_timestamp_seconds")
            .help("The last time proxy rules were successfully synced")
            .register(registry);
    endpointChanges =
        Counter.builder()
            .name("kubeproxy_sync_proxy_rules_endpoint_changes_total")
            .help("Cumulative proxy rules Endpoint changes")
            .register(registry);
    serviceChanges =
        Counter.builder()
            .name("kubeproxy_sync_proxy_rules_service_changes_total")
            .help("Cumulative proxy rules Service changes")
            .register(registry);
    // Upstream's series is a gauge named ..._total, a name this client refuses for gauges. The
    // same series (name, label, a value that can go down) is exposed with the counter type.
    registry.register(
        () ->
            CounterSnapshot.builder()
                .name("kubeproxy_sync_proxy_rules_no_local_endpoints")
                .help("Number of services with a Local traffic policy and no endpoints")
                .dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(Labels.of("traffic_policy", "internal"))
                        .value(noLocalInternal.get())
                        .build())
                .dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(Labels.of("traffic_policy", "external"))
                        .value(noLocalExternal.get())
                        .build())
                .build());
    netlinkOperations =
        Counter.builder()
            .name("kipvs_netlink_operations_total")
            .help("IPVS netlink write operations sent, by operation")
            .labelNames("operation")
            .register(registry);
    netlinkErrors =
        Counter.builder()
            .name("kipvs_netlink_errors_total")
            .help("IPVS netlink write operations the kernel refused, by operation")
            .labelNames("operation")
            .register(registry);
    virtualServers =
        Gauge.builder()
            .name("kipvs_virtual_servers")
            .help("IPVS virtual servers kipvs maintains")
            .register(registry);
    realServers =
        Gauge.builder()
            .name("kipvs_real_servers")
            .help("IPVS real servers kipvs maintains")
            .register(registry);
  }

  void syncDone(Duration took, long epochMillis) {
    syncDuration.observe(took.toNanos() / 1e9);
    lastSync.set(epochMillis / 1000.0);
  }

  void networkProgramming(Duration latency) {
    if (!latency.isNegative()) {
      programmingDuration.observe(latency.toNanos() / 1e9);
    }
  }

  /**
   * The changes a sync took: as the change set carries services, not objects, each changed service
   * counts once for each counter.
   */
  void changes(int services) {
    serviceChanges.inc(services);
    endpointChanges.inc(services);
  }

  void noLocalEndpoints(int internal, int external) {
    noLocalInternal.set(internal);
    noLocalExternal.set(external);
  }

  void operation(IpvsOperation op, boolean failed) {
    String name = operationName(op);
    operationSeries.computeIfAbsent(name, netlinkOperations::labelValues).inc();
    if (failed) {
      netlinkErrors.labelValues(name).inc();
    }
  }

  void tableSize(int virtual, int real) {
    virtualServers.set(virtual);
    realServers.set(real);
  }

  static String operationName(IpvsOperation op) {
    if (op instanceof IpvsOperation.AddVirtualServer) {
      return "add_virtual_server";
    } else if (op instanceof IpvsOperation.UpdateVirtualServer) {
      return "update_virtual_server";
    } else if (op instanceof IpvsOperation.DeleteVirtualServer) {
      return "delete_virtual_server";
    } else if (op instanceof IpvsOperation.AddRealServer) {
      return "add_real_server";
    } else if (op instanceof IpvsOperation.UpdateRealServer) {
      return "update_real_server";
    }
    return "delete_real_server";
  }
}
