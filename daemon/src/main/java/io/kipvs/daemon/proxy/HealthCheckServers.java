package io.kipvs.daemon.proxy;

import io.kipvs.daemon.http.QuietHttpServer;
import io.kipvs.k8s.ServiceName;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
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

  private final Map<Integer, Check> checks = new ConcurrentHashMap<>();
  // The ports listened on; one server for all of them (one pool, one selector thread per port).
  private final Set<Integer> ports = new HashSet<>();
  private QuietHttpServer server;
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
    for (var it = ports.iterator(); it.hasNext(); ) {
      int port = it.next();
      if (!wanted.containsKey(port)) {
        server.close(port);
        checks.remove(port);
        it.remove();
        LOG.info("Closed health check node port {}", port);
      }
    }
    checks.putAll(wanted);
    for (var e : wanted.entrySet()) {
      int port = e.getKey();
      if (ports.contains(port)) {
        continue;
      }
      try {
        if (server == null) {
          server = QuietHttpServer.start("kipvs-healthcheck-nodeport", new Checks());
        }
        server.listen(new InetSocketAddress(bindAddress, port));
        ports.add(port);
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

  /**
   * The body upstream answers with, byte for byte: its Go template is an indented JSON object,
   * dedented to one tab per level and without a final newline. Load balancers and scripts that
   * compare or grep the body see what kube-proxy sends. Namespaces and names are DNS labels, so
   * they need no escaping.
   */
  static String body(Check check, boolean healthy) {
    return "{\n\t\"service\": {\n\t\t\"namespace\": \""
        + check.service().namespace()
        + "\",\n\t\t\"name\": \""
        + check.service().name()
        + "\"\n\t},\n\t\"localEndpoints\": "
        + check.localEndpoints()
        + ",\n\t\"serviceProxyHealthy\": "
        + healthy
        + "\n}";
  }

  /** Answers on the selector's thread: it never blocks (the body is written in one piece). */
  private final class Checks extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Check check = checks.get(Request.getLocalPort(request));
      if (check == null) {
        response.setStatus(404);
        response.write(true, null, callback);
        return true;
      }
      boolean healthy = proxyHealthy.getAsBoolean();
      byte[] bytes = body(check, healthy).getBytes(StandardCharsets.UTF_8);
      response.setStatus(check.localEndpoints() > 0 && healthy ? 200 : 503);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put("X-Content-Type-Options", "nosniff");
      response
          .getHeaders()
          .put("X-Load-Balancing-Endpoint-Weight", Integer.toString(check.localEndpoints()));
      response.write(true, ByteBuffer.wrap(bytes), callback);
      return true;
    }
  }

  synchronized int portCount() {
    return ports.size();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.close();
      server = null;
    }
    ports.clear();
  }
}
