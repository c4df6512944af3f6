package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.k8s.ChangeCounts;
import io.kipvs.k8s.ServicePortName;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.inject.Inject;
import javax.inject.Singleton;

/** The proxier's metrics, with upstream kube-proxy's names where upstream has one. */
@Singleton
public final class ProxyMetrics {
  private final Histogram syncDuration;
  private final Histogram programmingDuration;
  private final Gauge lastSync;
  private final Gauge lastQueued;
  private final Counter healthz;
  private final Counter livez;
  // Read at scrape time from the watch and the netfilter writer, once the proxier starts.
  private volatile Supplier<ChangeCounts> changeCounts = () -> ChangeCounts.NONE;
  private volatile LongSupplier restoreFailures = () -> 0;
  // The service port of each virtual server kipvs wants, for the per-service IPVS counters; null
  // (and not kept up to date) unless they are exported (--ipvs-service-stats-metrics).
  private volatile Map<VirtualServerKey, ServicePortName> owners;
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
    lastQueued =
        Gauge.builder()
            .name("kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds")
            .help("The last time a sync of proxy rules was queued")
            .register(registry);
    // As upstream's change trackers count them: every EndpointSlice or Service event kipvs
    // proxies (ClusterWatch.changeCounts), not the services a sync took.
    registry.register(
        () ->
            CounterSnapshot.builder()
                .name("kubeproxy_sync_proxy_rules_endpoint_changes")
                .help("Cumulative proxy rules Endpoint changes")
                .dataPoint(counterPoint(changeCounts.get().endpointChanges()))
                .build());
    registry.register(
        () ->
            CounterSnapshot.builder()
                .name("kubeproxy_sync_proxy_rules_service_changes")
                .help("Cumulative proxy rules Service changes")
                .dataPoint(counterPoint(changeCounts.get().serviceChanges()))
                .build());
    registry.register(
        () ->
            GaugeSnapshot.builder()
                .name("kubeproxy_sync_proxy_rules_endpoint_changes_pending")
                .help("Pending proxy rules Endpoint changes")
                .dataPoint(gaugePoint(changeCounts.get().endpointChangesPending()))
                .build());
    registry.register(
        () ->
            GaugeSnapshot.builder()
                .name("kubeproxy_sync_proxy_rules_service_changes_pending")
                .help("Pending proxy rules Service changes")
                .dataPoint(gaugePoint(changeCounts.get().servicesPending()))
                .build());
    registry.register(
        () ->
            CounterSnapshot.builder()
                .name("kubeproxy_sync_proxy_rules_iptables_restore_failures")
                .help("Cumulative proxy iptables restore failures")
                .dataPoint(counterPoint(restoreFailures.getAsLong()))
                .build());
    healthz =
        Counter.builder()
            .name("kubeproxy_proxy_healthz_total")
            .help("Cumulative proxy healthz HTTP status")
            .labelNames("code")
            .register(registry);
    livez =
        Counter.builder()
            .name("kubeproxy_proxy_livez_total")
            .help("Cumulative proxy livez HTTP status")
            .labelNames("code")
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
   * Keeps, from now on, which service port each wanted virtual server is for; call before the
   * proxier starts. Off by default: it costs a map entry per virtual server and a little work per
   * sync.
   */
  public void trackVirtualServerOwners() {
    if (owners == null) {
      owners = new ConcurrentHashMap<>();
    }
  }

  /** The service port a wanted virtual server is for, while owners are tracked. */
  Optional<ServicePortName> owner(VirtualServerKey key) {
    Map<VirtualServerKey, ServicePortName> m = owners;
    return m == null ? Optional.empty() : Optional.ofNullable(m.get(key));
  }

  /**
   * After the sync thread changed the desired state of these virtual servers: only those, so the
   * cost follows the changes, not the table. Nothing while owners are not tracked.
   */
  void virtualServersChanged(
      Collection<VirtualServerKey> keys,
      Function<VirtualServerKey, Optional<DesiredVirtualServer>> desired) {
    Map<VirtualServerKey, ServicePortName> m = owners;
    if (m == null) {
      return;
    }
    for (VirtualServerKey key : keys) {
      Optional<DesiredVirtualServer> d = desired.apply(key);
      if (d.isPresent()) {
        m.put(key, d.get().owner());
      } else {
        m.remove(key);
      }
    }
  }

  /** A change was queued for the sync loop (an event kipvs proxies). */
  void queued(long epochMillis) {
    lastQueued.set(epochMillis / 1000.0);
  }

  /** Where the change counters and the restore failures are read from at scrape time. */
  void watching(Supplier<ChangeCounts> changes, LongSupplier iptablesRestoreFailures) {
    changeCounts = changes;
    restoreFailures = iptablesRestoreFailures;
  }

  /** Counts an answer of /healthz or /livez by its HTTP status. */
  public void probeAnswered(boolean livezProbe, int code) {
    (livezProbe ? livez : healthz).labelValues(Integer.toString(code)).inc();
  }

  private static CounterSnapshot.CounterDataPointSnapshot counterPoint(long value) {
    return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build();
  }

  private static GaugeSnapshot.GaugeDataPointSnapshot gaugePoint(long value) {
    return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build();
  }

  public void noLocalEndpoints(int internal, int external) {
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
