package io.kipvs.daemon.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kipvs.daemon.config.BindAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves /healthz and /livez as kube-proxy does: 200 while the proxier's last sync is recent, 503
 * otherwise, with a JSON body {"lastUpdated": "...","currentTime": "..."}. Load balancers probe
 * /healthz to decide whether to send traffic to this node; the kubelet probes /livez.
 */
public final class HealthServer implements AutoCloseable {
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  // Go's zero time.Time, which kube-proxy reports before its first sync.
  private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

  private final HttpServer server;
  private final ExecutorService executor;

  private HealthServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving on this address.
   *
   * @throws IOException when the address cannot be bound
   */
  public static HealthServer start(BindAddress address, HealthSource health, Clock clock)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(address.address(), address.port()), 16);
    server.createContext("/healthz", exchange -> respond(exchange, health, clock));
    server.createContext("/livez", exchange -> respond(exchange, health, clock));
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "healthz-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.start();
    return new HealthServer(server, executor);
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, HealthSource health, Clock clock)
      throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!path.equals("/healthz") && !path.equals("/livez")) {
        send(exchange, 404, "text/plain; charset=utf-8", "404 page not found\n");
        return;
      }
      Instant now = clock.instant();
      boolean healthy = health.healthy(now);
      String lastUpdated = goTime(health.lastUpdated().orElse(GO_ZERO_TIME));
      String body =
          "{\"lastUpdated\": \"" + lastUpdated + "\",\"currentTime\": \"" + goTime(now) + "\"}";
      send(exchange, healthy ? 200 : 503, "application/json", body);
    }
  }

  /**
   * As Go's time.Time.String() in UTC, which kube-proxy's body uses: "2026-01-02 03:04:05.1234
   * +0000 UTC", the fraction without trailing zeros and absent when zero.
   */
  static String goTime(Instant instant) {
    StringBuilder text = new StringBuilder(SECONDS.format(instant));
    int nanos = instant.getNano();
    if (nanos != 0) {
      String fraction = String.format("%09d", nanos).replaceFirst("0+$", "");
      text.append('.').append(fraction);
    }
    return text.append(" +0000 UTC").toString();
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Stops at once: probes need no graceful drain. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
