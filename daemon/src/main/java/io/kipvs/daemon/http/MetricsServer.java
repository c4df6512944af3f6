package io.kipvs.daemon.http;

import io.kipvs.daemon.config.BindAddress;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;

/**
 * Serves the registry at /metrics (Prometheus text format, or OpenMetrics/protobuf on request)
 * through the Prometheus client's own HTTP server.
 */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;

  private MetricsServer(HTTPServer server) {
    this.server = server;
  }

  /**
   * Starts serving on this address.
   *
   * @throws IOException when the address cannot be bound
   */
  public static MetricsServer start(BindAddress address, PrometheusRegistry registry)
      throws IOException {
    return new MetricsServer(
        HTTPServer.builder()
            .inetAddress(address.address())
            .port(address.port())
            .registry(registry)
            .buildAndStart());
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
