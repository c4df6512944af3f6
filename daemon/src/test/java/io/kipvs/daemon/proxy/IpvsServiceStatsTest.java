package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.L4Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePortName;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 16: per-service IPVS counters, summed by service port from one dump. */
class IpvsServiceStatsTest {
  private static final ServicePortName WEB_HTTP =
      new ServicePortName(new ServiceName("shop", "web"), "http", L4Protocol.TCP);

  private static VirtualServerStatus status(VirtualServerKey key, Stats stats) {
    return new VirtualServerStatus(
        new VirtualServer(key, VirtualServerSettings.of("rr", key.family())), stats, List.of());
  }

  private static Stats stats(long conns, long inPkts, long outPkts, long inBytes, long outBytes) {
    return new Stats(conns, inPkts, outPkts, inBytes, outBytes, 0, 0, 0, 0, 0);
  }

  /**
   * The cluster IP and node port virtual servers of one service port sum into one series; a virtual
   * server kipvs does not want is left out, and so is one whose service went.
   */
  @Test
  void sumsTheVirtualServersOfAServicePortAndLeavesOutOthers() throws Exception {
    ProxyMetrics metrics = new ProxyMetrics(new PrometheusRegistry());
    metrics.trackVirtualServerOwners();
    VirtualServerKey clusterIp = tcp("10.96.0.10", 80);
    VirtualServerKey nodePort = tcp("192.168.0.2", 30080);
    VirtualServerKey foreign = tcp("10.0.0.1", 22);
    VirtualServerKey gone = tcp("10.96.0.11", 80);
    Map<VirtualServerKey, DesiredVirtualServer> desired =
        Map.of(
            clusterIp,
            new DesiredVirtualServer(null, Map.of(), WEB_HTTP),
            nodePort,
            new DesiredVirtualServer(null, Map.of(), WEB_HTTP),
            gone,
            new DesiredVirtualServer(null, Map.of(), WEB_HTTP));
    metrics.virtualServersChanged(desired.keySet(), k -> Optional.ofNullable(desired.get(k)));
    metrics.virtualServersChanged(List.of(gone), k -> Optional.empty());

    IpvsServiceStats collector = new IpvsServiceStats(metrics, () -> null, Clock.systemUTC());
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(
        () ->
            collector.snapshots(
                List.of(
                    status(clusterIp, stats(3, 30, 20, 3000, 2000)),
                    status(nodePort, stats(1, 10, 5, 1000, 500)),
                    status(foreign, stats(100, 100, 100, 100, 100)),
                    status(gone, stats(7, 7, 7, 7, 7)))));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    String labels =
        "{ip_family=\"IPv4\",namespace=\"shop\",port_name=\"http\",protocol=\"TCP\","
            + "service=\"web\"}";
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("# TYPE kipvs_service_connections_total counter")
        .contains("kipvs_service_connections_total" + labels + " 4.0")
        .contains("kipvs_service_packets_in_total" + labels + " 40.0")
        .contains("kipvs_service_packets_out_total" + labels + " 25.0")
        .contains("kipvs_service_bytes_in_total" + labels + " 4000.0")
        .contains("kipvs_service_bytes_out_total" + labels + " 2500.0")
        .doesNotContain(" 100.0")
        .doesNotContain(" 11.0");
  }

  /** Without tracking (the flag off), no owner is kept, whatever the syncs change. */
  @Test
  void ownersAreNotKeptUnlessTracked() {
    ProxyMetrics metrics = new ProxyMetrics(new PrometheusRegistry());
    VirtualServerKey key = tcp("10.96.0.10", 80);
    metrics.virtualServersChanged(
        List.of(key), k -> Optional.of(new DesiredVirtualServer(null, Map.of(), WEB_HTTP)));
    assertThat(metrics.owner(key)).isEmpty();
  }
}
