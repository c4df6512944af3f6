package io.kipvs.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.daemon.config.BindAddress;
import io.kipvs.daemon.proxy.ProxyMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Real servers on 127.0.0.1 with ephemeral ports, queried over HTTP. */
class HttpServersTest {
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.123456789Z");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A health source whose answer the test sets, standing for the proxier's SyncHealth. */
  static final class SettableHealth implements HealthSource {
    final AtomicReference<Optional<Instant>> last = new AtomicReference<>(Optional.empty());
    volatile boolean eligible = true;
    final List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public boolean nodeEligible() {
      return eligible;
    }

    @Override
    public void answered(Probe probe, int code) {
      answers.add(probe + " " + code);
    }

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
                  + " \"2026-01-02 03:04:05.123456789 +0000 UTC\", \"nodeEligible\": true}");

      health.last.set(Optional.of(NOW.minusSeconds(5)));
      HttpResponse<String> after = get(server.port(), "/healthz");
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(after.body())
          .isEqualTo(
              "{\"lastUpdated\": \"2026-01-02 03:04:05.123456789 +0000 UTC\",\"currentTime\":"
                  + " \"2026-01-02 03:04:05.123456789 +0000 UTC\", \"nodeEligible\": true}");
      assertThat(get(server.port(), "/livez").statusCode()).isEqualTo(200);

      health.last.set(Optional.of(NOW.minusSeconds(600)));
      assertThat(get(server.port(), "/healthz").statusCode()).isEqualTo(503);
      assertThat(get(server.port(), "/livez").statusCode()).isEqualTo(503);
      HttpResponse<String> other = get(server.port(), "/other");
      assertThat(other.statusCode()).isEqualTo(404);
      assertThat(other.body()).isEqualTo("404 page not found\n");
    }
  }

  /**
   * Issue 16: a Node being deleted or tainted for removal makes /healthz 503 with upstream's body
   * ({@code "nodeEligible": false}), while /livez, which ignores the Node, stays 200; each answer
   * is counted by probe and code.
   */
  @Test
  void healthzIs503ForANodeBeingRemovedWhileLivezStays200() throws Exception {
    SettableHealth health = new SettableHealth();
    health.last.set(Optional.of(NOW.minusSeconds(5)));
    health.eligible = false;
    try (HealthServer server =
        HealthServer.start(ephemeral(), health, Clock.fixed(NOW, ZoneOffset.UTC))) {
      HttpResponse<String> healthz = get(server.port(), "/healthz");
      assertThat(healthz.statusCode()).isEqualTo(503);
      assertThat(healthz.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(healthz.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(healthz.body())
          .isEqualTo(
              "{\"lastUpdated\": \"2026-01-02 03:04:00.123456789 +0000 UTC\",\"currentTime\":"
                  + " \"2026-01-02 03:04:05.123456789 +0000 UTC\", \"nodeEligible\": false}");
      HttpResponse<String> livez = get(server.port(), "/livez");
      assertThat(livez.statusCode()).isEqualTo(200);
      assertThat(livez.body())
          .isEqualTo(
              "{\"lastUpdated\": \"2026-01-02 03:04:05.123456789 +0000 UTC\",\"currentTime\":"
                  + " \"2026-01-02 03:04:05.123456789 +0000 UTC\"}");
      assertThat(health.answers).containsExactly("HEALTHZ 503", "LIVEZ 200");
    }
  }

  @Test
  void healthzAnswersAsKubeProxyWithHeadersOnlyToHead() throws Exception {
    SettableHealth health = new SettableHealth();
    health.last.set(Optional.of(NOW.minusSeconds(5)));
    try (HealthServer server =
        HealthServer.start(ephemeral(), health, Clock.fixed(NOW, ZoneOffset.UTC))) {
      HttpResponse<String> get = get(server.port(), "/healthz");
      assertThat(get.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(get.headers().firstValue("Content-Length"))
          .contains(Integer.toString(get.body().length()));
      assertThat(get.headers().firstValue("Server")).isEmpty();

      HttpResponse<String> head =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/livez"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(head.body()).isEmpty();
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
      assertThat(response.headers().firstValue("Server")).isEmpty();
    }
  }

  @Test
  void metricsNegotiatesTheFormatAndFiltersAsThePrometheusClientDoes() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder().name("kipvs_a_total").help("a").register(registry).inc();
    Counter.builder().name("kipvs_b_total").help("b").register(registry).inc(2);
    try (MetricsServer server = MetricsServer.start(ephemeral(), registry)) {
      URI metrics = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
      HttpResponse<String> open =
          http.send(
              HttpRequest.newBuilder(metrics)
                  .header(
                      "Accept",
                      "application/openmetrics-text; version=1.0.0; charset=utf-8,"
                          + " text/plain;q=0.5")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(open.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/openmetrics-text; version=1.0.0");
      assertThat(open.body()).contains("kipvs_a_total 1.0").endsWith("# EOF\n");

      HttpResponse<String> filtered = get(server.port(), "/metrics?name[]=kipvs_b_total");
      assertThat(filtered.body()).contains("kipvs_b_total 2.0").doesNotContain("kipvs_a_total");

      HttpResponse<byte[]> gzip =
          http.send(
              HttpRequest.newBuilder(metrics).header("Accept-Encoding", "gzip").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(gzip.headers().firstValue("Content-Encoding")).contains("gzip");
      try (var in = new GZIPInputStream(new ByteArrayInputStream(gzip.body()))) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
            .contains("kipvs_b_total 2.0");
      }

      HttpResponse<String> head =
          http.send(
              HttpRequest.newBuilder(metrics)
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/plain; version=0.0.4");
      assertThat(head.body()).isEmpty();

      assertThat(get(server.port(), "/-/healthy").body()).isEqualTo("Exporter is healthy.\n");
      assertThat(get(server.port(), "/other").statusCode()).isEqualTo(404);
    }
  }

  /**
   * Issue 16: kubeproxy_sync_proxy_rules_no_local_endpoints_total is a gauge upstream, in the text
   * format (plain and gzip) and in OpenMetrics.
   */
  @Test
  void noLocalEndpointsTotalIsAGaugeAsUpstreams() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    ProxyMetrics metrics = new ProxyMetrics(registry);
    metrics.noLocalEndpoints(2, 1);
    try (MetricsServer server = MetricsServer.start(ephemeral(), registry)) {
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
      String text = get(server.port(), "/metrics").body();
      assertThat(text)
          .contains("# TYPE kubeproxy_sync_proxy_rules_no_local_endpoints_total gauge\n")
          .contains(
              "kubeproxy_sync_proxy_rules_no_local_endpoints_total{traffic_policy=\"internal\"}"
                  + " 2.0")
          .doesNotContain("no_local_endpoints_total counter");
      HttpResponse<String> plain = get(server.port(), "/metrics");
      assertThat(plain.headers().firstValue("Content-Length"))
          .contains(Integer.toString(plain.body().getBytes(StandardCharsets.UTF_8).length));

      HttpResponse<byte[]> gzip =
          http.send(
              HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(gzip.headers().firstValue("Content-Encoding")).contains("gzip");
      try (var in = new GZIPInputStream(new ByteArrayInputStream(gzip.body()))) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
            .contains("# TYPE kubeproxy_sync_proxy_rules_no_local_endpoints_total gauge\n");
      }

      String open =
          http.send(
                  HttpRequest.newBuilder(uri)
                      .header("Accept", "application/openmetrics-text; version=1.0.0")
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(open)
          .contains("# TYPE kubeproxy_sync_proxy_rules_no_local_endpoints_total gauge\n")
          .contains("# HELP kubeproxy_sync_proxy_rules_no_local_endpoints_total ")
          .contains(
              "kubeproxy_sync_proxy_rules_no_local_endpoints_total{traffic_policy=\"external\"}"
                  + " 1.0")
          .endsWith("# EOF\n");
    }
  }

  @Test
  void metricsPortAnswersProxyModeAndHealthzAsKubeProxys() throws Exception {
    try (MetricsServer server = MetricsServer.start(ephemeral(), new PrometheusRegistry())) {
      HttpResponse<String> mode = get(server.port(), "/proxyMode");
      assertThat(mode.statusCode()).isEqualTo(200);
      assertThat(mode.body()).isEqualTo("ipvs");
      assertThat(mode.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
      assertThat(mode.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      for (String path : List.of("/healthz", "/healthz/ping")) {
        HttpResponse<String> healthz = get(server.port(), path);
        assertThat(healthz.statusCode()).as(path).isEqualTo(200);
        assertThat(healthz.body()).as(path).isEqualTo("ok");
      }
    }
  }

  /**
   * In a UML node every thread wake-up costs milliseconds of CPU: an idle server must have no
   * thread waiting on a timer (the JDK's server had its dispatcher in select(1000) and a timer
   * thread). After requests, on connections that then closed, the same holds for every thread but
   * the one that times connections out: it may wait once more for the closed connections' deadline.
   */
  @Test
  void idleServersHaveNoThreadWaitingOnATimer() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    try (MetricsServer metrics = MetricsServer.start(ephemeral(), registry);
        HealthServer health =
            HealthServer.start(ephemeral(), new SettableHealth(), Clock.systemUTC())) {
      Map<String, Thread.State> fresh = awaitNoTimedWait("");
      // Per server: the selector and the pool's other thread.
      assertThat(fresh).as("%s", fresh).hasSize(4);

      assertThat(getAndClose(metrics.port(), "/metrics")).startsWith("HTTP/1.1 200");
      assertThat(getAndClose(health.port(), "/healthz")).startsWith("HTTP/1.1 503");
      Map<String, Thread.State> used = awaitNoTimedWait("-timeouts-");
      assertThat(used).as("%s", used).hasSize(6);
    }
  }

  /**
   * Polls until 10 samples in a row (50 ms apart) show no thread of the servers, other than those
   * whose name contains {@code except} (when not empty), in a timed wait; their states then.
   */
  private static Map<String, Thread.State> awaitNoTimedWait(String except) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int quietSamples = 0;
    Map<String, Thread.State> states = Map.of();
    while (quietSamples < 10) {
      states = serverThreadStates();
      boolean timed =
          states.entrySet().stream()
              .anyMatch(
                  e ->
                      e.getValue() == Thread.State.TIMED_WAITING
                          && (except.isEmpty() || !e.getKey().contains(except)));
      quietSamples = timed ? 0 : quietSamples + 1;
      assertThat(System.nanoTime())
          .as("threads still waiting on a timer: %s", states)
          .isLessThan(deadline);
      Thread.sleep(50);
    }
    return states;
  }

  private static Map<String, Thread.State> serverThreadStates() {
    Map<String, Thread.State> states = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("metrics-http") || t.getName().startsWith("healthz-http")) {
        states.put(t.getName(), t.getState());
      }
    }
    return states;
  }

  /** One HTTP/1.1 request on a connection that closes after the response; the whole reply. */
  private static String getAndClose(int port, String path) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
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
