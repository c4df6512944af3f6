package io.kipvs.daemon.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kipvs.k8s.ServiceName;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health-check node port servers of externalTrafficPolicy=Local services, as upstream's service
 * health server: on each port, 200 with the number of local endpoints when there is one, 503 when
 * none, so that cloud load balancers send traffic only to nodes that serve it.
 */
final class HealthCheckServers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthCheckServers.class);

  /** One service's health check: its port and local endpoint count. */
  record Check(ServiceName service, int localEndpoints) {}

  private final Map<Integer, HttpServer> servers = new HashMap<>();
  private final Map<Integer, Check> checks = new ConcurrentHashMap<>();
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "kipvs-healthcheck-nodeport");
            t.setDaemon(true);
            return t;
          });
  private final String bindAddress;
  private final BooleanSupplier proxyHealthy;

  /**
   * @param proxyHealthy whether the proxier itself is healthy; when not, every check answers 503,
   *     as upstream's serviceProxyHealthy
   */
  HealthCheckServers(String bindAddress, BooleanSupplier proxyHealthy) {
    this.bindAddress = bindAddress;
    this.proxyHealthy = proxyHealthy;
  }

  /** Makes the servers match: opens new ports, closes dropped ones, updates counts. */
  synchronized void update(Map<Integer, Check> wanted) {
    for (var it = servers.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!wanted.containsKey(e.getKey())) {
        e.getValue().stop(0);
        checks.remove(e.getKey());
        it.remove();
        LOG.info("Closed health check node port {}", e.getKey());
      }
    }
    checks.putAll(wanted);
    for (var e : wanted.entrySet()) {
      int port = e.getKey();
      if (servers.containsKey(port)) {
        continue;
      }
      try {
        HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
        server.createContext("/", exchange -> respond(exchange, port));
        server.setExecutor(executor);
        server.start();
        servers.put(port, server);
        LOG.info("Serving health check node port {} for {}", port, e.getValue().service());
      } catch (IOException ex) {
        // Upstream logs and retries on the next sync: another process may hold the port.
        LOG.error(
            "Cannot listen on health check node port {} of service {}: {}",
            port,
            e.getValue().service(),
            ex.toString());
      }
    }
  }

  /** The body and status upstream answers with. */
  static String body(Check check, boolean healthy) {
    return "{\"service\":{\"namespace\":\""
        + check.service().namespace()
        + "\",\"name\":\""
        + check.service().name()
        + "\"},\"localEndpoints\":"
        + check.localEndpoints()
        + ",\"serviceProxyHealthy\":"
        + healthy
        + "}";
  }

  private void respond(HttpExchange exchange, int port) throws IOException {
    Check check = checks.get(port);
    try (exchange) {
      if (check == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      boolean healthy = proxyHealthy.getAsBoolean();
      byte[] bytes = body(check, healthy).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      exchange
          .getResponseHeaders()
          .set("X-Load-Balancing-Endpoint-Weight", Integer.toString(check.localEndpoints()));
      exchange.sendResponseHeaders(check.localEndpoints() > 0 && healthy ? 200 : 503, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  synchronized int portCount() {
    return servers.size();
  }

  @Override
  public synchronized void close() {
    for (HttpServer s : servers.values()) {
      s.stop(0);
    }
    servers.clear();
    executor.shutdownNow();
  }
}
