package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.ServicePortName;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each service port's IPVS counters (--ipvs-service-stats-metrics), beyond upstream
 * (kubernetes/kubernetes#9125): connections, packets and bytes in and out, summed over the service
 * port's virtual servers (cluster IP, node ports, external and load-balancer addresses) and
 * labelled by namespace, service, port name, protocol and IP family.
 *
 * <p>Read at scrape time with one dump of the virtual servers (their counters come with it) on a
 * netlink socket of its own, so the sync loop does no extra work but keeping which service port
 * each virtual server is for ({@link ProxyMetrics#virtualServersChanged}). Virtual servers kipvs
 * does not want (another tool's, or ones just removed) are left out. A sum drops when one of its
 * virtual servers goes (a node address removed): Prometheus treats that as a counter reset.
 */
public final class IpvsServiceStats implements MultiCollector, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IpvsServiceStats.class);
  static final Duration LOG_INTERVAL = Duration.ofMinutes(5);

  private final ProxyMetrics metrics;
  private final Supplier<IpvsClient> clients;
  private final Clock clock;
  // Guarded by this.
  private IpvsClient client;
  private Instant lastLogged;

  /**
   * @param clients opens the collector's own IPVS client, at the first scrape (and again after a
   *     failure)
   */
  public IpvsServiceStats(ProxyMetrics metrics, Supplier<IpvsClient> clients, Clock clock) {
    this.metrics = metrics;
    this.clients = clients;
    this.clock = clock;
  }

  /** Tracks virtual server owners and registers the counters; before the proxier starts. */
  public static IpvsServiceStats register(
      PrometheusRegistry registry, ProxyMetrics metrics, Supplier<IpvsClient> clients) {
    metrics.trackVirtualServerOwners();
    IpvsServiceStats stats = new IpvsServiceStats(metrics, clients, Clock.systemUTC());
    registry.register(stats);
    return stats;
  }

  /** The labels of one series: a service port of one family. */
  record Series(ServicePortName port, AddressFamily family) {
    Labels labels() {
      return Labels.of(
          "namespace",
          port.service().namespace(),
          "service",
          port.service().name(),
          "port_name",
          port.portName(),
          "protocol",
          port.protocol().name(),
          "ip_family",
          family == AddressFamily.INET ? "IPv4" : "IPv6");
    }
  }

  @Override
  public MetricSnapshots collect() {
    Optional<List<VirtualServerStatus>> table = read();
    return table.map(this::snapshots).orElseGet(() -> new MetricSnapshots());
  }

  /** The counters of these virtual servers, summed by service port. */
  MetricSnapshots snapshots(List<VirtualServerStatus> table) {
    Map<Series, long[]> sums = new LinkedHashMap<>();
    for (VirtualServerStatus status : table) {
      Optional<ServicePortName> owner = metrics.owner(status.server().key());
      if (owner.isEmpty()) {
        continue;
      }
      Stats s = status.stats();
      long[] sum =
          sums.computeIfAbsent(
              new Series(owner.get(), status.server().key().family()), k -> new long[5]);
      sum[0] += s.connections();
      sum[1] += s.inPackets();
      sum[2] += s.outPackets();
      sum[3] += s.inBytes();
      sum[4] += s.outBytes();
    }
    return new MetricSnapshots(
        counter(
            "kipvs_service_connections", "Connections IPVS scheduled to the service port", sums, 0),
        counter("kipvs_service_packets_in", "Packets IPVS received for the service port", sums, 1),
        counter(
            "kipvs_service_packets_out", "Packets IPVS sent back for the service port", sums, 2),
        counter("kipvs_service_bytes_in", "Bytes IPVS received for the service port", sums, 3),
        counter("kipvs_service_bytes_out", "Bytes IPVS sent back for the service port", sums, 4));
  }

  private static CounterSnapshot counter(
      String name, String help, Map<Series, long[]> sums, int index) {
    CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
    for (var e : sums.entrySet()) {
      b.dataPoint(
          CounterSnapshot.CounterDataPointSnapshot.builder()
              .labels(e.getKey().labels())
              .value(e.getValue()[index])
              .build());
    }
    return b.build();
  }

  /**
   * One dump; on a failure, nothing (logged at most every 5 minutes) and a new socket next time.
   */
  private synchronized Optional<List<VirtualServerStatus>> read() {
    try {
      if (client == null) {
        client = clients.get();
      }
      return Optional.of(client.virtualServers());
    } catch (RuntimeException e) {
      Instant now = clock.instant();
      if (lastLogged == null || !now.isBefore(lastLogged.plus(LOG_INTERVAL))) {
        lastLogged = now;
        LOG.warn("cannot read the IPVS counters for the per-service metrics: {}", e.toString());
      }
      close();
      return Optional.empty();
    }
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      try {
        client.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the IPVS client of the per-service metrics", e);
      }
      client = null;
    }
  }
}
