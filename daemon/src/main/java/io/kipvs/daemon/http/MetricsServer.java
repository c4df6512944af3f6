package io.kipvs.daemon.http;

import io.kipvs.daemon.config.BindAddress;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves the registry at /metrics: the Prometheus client's own scrape handler (text format by
 * default; OpenMetrics or protobuf as the Accept header asks, {@code name[]} filters, {@code
 * debug=}, gzip), answering through Jetty. Also /-/healthy, as the client's own server had it, and
 * what kube-proxy serves next to its metrics and tools read there (upstream's e2e "should check
 * kube-proxy urls" among them): /proxyMode with the mode's name, and /healthz (with /healthz/ping)
 * answering {@code ok} while the process serves, as the API server library's handler kube-proxy
 * installs there does; the proxier's own health is /healthz on the healthz port.
 */
public final class MetricsServer implements AutoCloseable {
  private static final byte[] HEALTHY = "Exporter is healthy.\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NOT_FOUND = "404 page not found\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] PROXY_MODE = "ipvs".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OK = "ok".getBytes(StandardCharsets.UTF_8);

  private final QuietHttpServer server;
  private final int port;

  private MetricsServer(QuietHttpServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts serving on this address.
   *
   * @throws IOException when the address cannot be bound
   */
  public static MetricsServer start(BindAddress address, PrometheusRegistry registry)
      throws IOException {
    QuietHttpServer server =
        QuietHttpServer.start("metrics-http", new Scrapes(new PrometheusScrapeHandler(registry)));
    return new MetricsServer(
        server, server.listenOnly(new InetSocketAddress(address.address(), address.port())));
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return port;
  }

  /** Blocking: the scrape handler writes to an output stream. */
  private static final class Scrapes extends Handler.Abstract {
    private final PrometheusScrapeHandler scrape;

    Scrapes(PrometheusScrapeHandler scrape) {
      this.scrape = scrape;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback)
        throws IOException {
      String path = Request.getPathInContext(request);
      if (path.equals("/metrics")) {
        try (ScrapeExchange exchange = new ScrapeExchange(request, response)) {
          scrape.handleRequest(exchange);
        }
        callback.succeeded();
      } else if (path.equals("/-/healthy")) {
        send(response, callback, 200, HEALTHY);
      } else if (path.equals("/proxyMode")) {
        sendNoSniff(response, callback, PROXY_MODE);
      } else if (path.equals("/healthz") || path.equals("/healthz/ping")) {
        sendNoSniff(response, callback, OK);
      } else {
        send(response, callback, 404, NOT_FOUND);
      }
      return true;
    }

    private static void sendNoSniff(Response response, Callback callback, byte[] body) {
      response.getHeaders().put("X-Content-Type-Options", "nosniff");
      send(response, callback, 200, body);
    }

    private static void send(Response response, Callback callback, int status, byte[] body) {
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      response.write(true, ByteBuffer.wrap(body), callback);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
