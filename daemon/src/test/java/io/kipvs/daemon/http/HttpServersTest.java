package io.kipvs.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.daemon.config.BindAddress;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Real servers on 127.0.0.1 with ephemeral ports, queried over HTTP. */
class HttpServersTest {
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.123456789Z");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A health source whose answer the test sets, standing for the proxier's SyncHealth. */
  static final class SettableHealth implements HealthSource {
    final AtomicReference<Optional<Instant>> last = new AtomicReference<>(Optional.empty());

    @Override
    public Optional<Instant> lastUpdated() {
      return last.get();
    }

    @Override
    public boolean healthy(Instant now) {
      return last.get().map(t -> t.isAfter(now.minusSeconds(60))).orElse(false);
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static BindAddress ephemeral() throws Exception {
    return new BindAddress(InetAddress.getByName("127.0.0.1"), 0);
  }

  @Test
  void healthzIs503UntilTheFirstSyncThen200() throws Exception {
    SettableHealth health = new SettableHealth();
    try (HealthServer server =
        HealthServer.start(ephemeral(), health, Clock.fixed(NOW, ZoneOffset.UTC))) {
      HttpResponse<String> before = get(server.port(), "/healthz");
      assertThat(before.statusCode()).isEqualTo(503);
      assertThat(before.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(before.body())
          .isEqualTo(
              "{\"lastUpdated\": \"0001-01-01 00:00:00 +0000 UTC\",\"currentTime\":"
                  + " \"2026-01-02 03:04:05.123456789 +0000 UTC\"}");

      health.last.set(Optional.of(NOW.minusSeconds(5)));
      HttpResponse<String> after = get(server.port(), "/healthz");
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(after.body())
          .isEqualTo(
              "{\"lastUpdated\": \"2026-01-02 03:04:00.123456789 +0000 UTC\",\"currentTime\":"
                  + " \"2026-01-02 03:04:05.123456789 +0000 UTC\"}");
      assertThat(get(server.port(), "/livez").statusCode()).isEqualTo(200);

      health.last.set(Optional.of(NOW.minusSeconds(600)));
      assertThat(get(server.port(), "/healthz").statusCode()).isEqualTo(503);
      assertThat(get(server.port(), "/livez").statusCode()).isEqualTo(503);
      assertThat(get(server.port(), "/other").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void timesAreWrittenAsGoWritesThem() {
    assertThat(HealthServer.goTime(Instant.parse("2026-01-02T03:04:05Z")))
        .isEqualTo("2026-01-02 03:04:05 +0000 UTC");
    assertThat(HealthServer.goTime(Instant.parse("2026-01-02T03:04:05.120Z")))
        .isEqualTo("2026-01-02 03:04:05.12 +0000 UTC");
    assertThat(HealthServer.goTime(Instant.parse("2026-01-02T03:04:05.000000001Z")))
        .isEqualTo("2026-01-02 03:04:05.000000001 +0000 UTC");
  }

  @Test
  void metricsServesTheRegistryInPrometheusTextFormat() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter counter =
        Counter.builder()
            .name("kubeproxy_sync_proxy_rules_iptables_total")
            .help("a counter the proxier would record")
            .register(registry);
    counter.inc(3);
    JvmMetrics.builder().register(registry);
    try (MetricsServer server = MetricsServer.start(ephemeral(), registry)) {
      HttpResponse<String> response = get(server.port(), "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/plain; version=0.0.4");
      assertThat(response.body())
          .contains("# TYPE kubeproxy_sync_proxy_rules_iptables_total counter")
          .contains("kubeproxy_sync_proxy_rules_iptables_total 3.0")
          .contains("jvm_memory_used_bytes");
    }
  }

  @Test
  void closedServersReleaseTheirPorts() throws Exception {
    HealthServer server = HealthServer.start(ephemeral(), new SettableHealth(), Clock.systemUTC());
    int port = server.port();
    server.close();
    try (HealthServer again =
        HealthServer.start(
            new BindAddress(InetAddress.getByName("127.0.0.1"), port),
            new SettableHealth(),
            Clock.systemUTC())) {
      assertThat(again.port()).isEqualTo(port);
    }
  }
}
