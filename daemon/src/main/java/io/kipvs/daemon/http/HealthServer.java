package io.kipvs.daemon.http;

import io.kipvs.daemon.config.BindAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves /healthz and /livez as kube-proxy does: 200 while the proxier's last sync is recent, 503
 * otherwise, with a JSON body {"lastUpdated": "...","currentTime": "..."}. /healthz also answers
 * 503 while this node's Node is being deleted or tainted ToBeDeletedByClusterAutoscaler (KEP-3836),
 * and says so in its body ({@code , "nodeEligible": false}). Load balancers probe /healthz to
 * decide whether to send traffic to this node; the kubelet probes /livez, which ignores the Node.
 */
public final class HealthServer implements AutoCloseable {
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  // Go's zero time.Time, which kube-proxy reports before its first sync.
  private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

  private final QuietHttpServer server;
  private final int port;

  private HealthServer(QuietHttpServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts serving on this address.
   *
   * @throws IOException when the address cannot be bound
   */
  public static HealthServer start(BindAddress address, HealthSource health, Clock clock)
      throws IOException {
    QuietHttpServer server = QuietHttpServer.start("healthz-http", new Probes(health, clock));
    return new HealthServer(
        server, server.listenOnly(new InetSocketAddress(address.address(), address.port())));
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return port;
  }

  /** Answers on the selector's thread: it never blocks (the body is written in one piece). */
  private static final class Probes extends Handler.Abstract.NonBlocking {
    private final HealthSource health;
    private final Clock clock;

    Probes(HealthSource health, Clock clock) {
      this.health = health;
      this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      if (!path.equals("/healthz") && !path.equals("/livez")) {
        send(response, callback, 404, "text/plain; charset=utf-8", "404 page not found\n");
        return true;
      }
      Instant now = clock.instant();
      boolean livez = path.equals("/livez");
      boolean synced = health.healthy(now);
      // /livez leaves the Node out: a node being drained must not get kipvs restarted.
      boolean eligible = livez || health.nodeEligible();
      boolean healthy = synced && eligible;
      // As kube-proxy: a healthy answer reports the current time as the last update (what older
      // releases meant by it, a recent sync loop run); the metrics tell the last sync itself.
      String lastUpdated = goTime(healthy ? now : health.lastUpdated().orElse(GO_ZERO_TIME));
      String body =
          "{\"lastUpdated\": \""
              + lastUpdated
              + "\",\"currentTime\": \""
              + goTime(now)
              + "\""
              + (livez ? "" : ", \"nodeEligible\": " + eligible)
              + "}";
      int code = healthy ? 200 : 503;
      health.answered(livez ? HealthSource.Probe.LIVEZ : HealthSource.Probe.HEALTHZ, code);
      send(response, callback, code, "application/json", body);
      return true;
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

  /** The body with its length; a HEAD request gets the headers only (Jetty drops the body). */
  private static void send(
      Response response, Callback callback, int status, String type, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }

  /** Stops at once: probes need no graceful drain. */
  @Override
  public void close() {
    server.close();
  }
}
