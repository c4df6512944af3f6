package io.kipvs.daemon.http;

import io.kipvs.daemon.config.BindAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loopback-only debug endpoint {@code kipvs explain} asks: {@code GET
 * /explain?service=NAMESPACE/NAME} (or {@code ?all=true}), {@code &output=json} for JSON. It has no
 * authentication, so it listens on a loopback address only (--debug-bind-address refuses any
 * other): whoever can connect is root on the node or in its network namespace already.
 */
public final class DebugServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DebugServer.class);

  /** What answers the requests. */
  public interface Source {
    /**
     * @param service NAMESPACE/NAME, or empty for every service
     * @param json JSON instead of text
     */
    Answer explain(Optional<String> service, boolean json);
  }

  /** An HTTP status and its body. */
  public record Answer(int status, String body) {}

  private final QuietHttpServer server;
  private final int port;

  private DebugServer(QuietHttpServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts serving on this address.
   *
   * @throws IOException when the address cannot be bound
   * @throws IllegalArgumentException when the address is not a loopback one
   */
  public static DebugServer start(BindAddress address, Source source) throws IOException {
    if (!address.address().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "the debug endpoint serves a loopback address only, not " + address);
    }
    QuietHttpServer server = QuietHttpServer.start("debug-http", new Explain(source));
    return new DebugServer(
        server, server.listenOnly(new InetSocketAddress(address.address(), address.port())));
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return port;
  }

  /** Reads the kernel: runs on the pool's worker thread, never on the selector's. */
  private static final class Explain extends Handler.Abstract {
    private final Source source;

    Explain(Source source) {
      this.source = source;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      if (!path.equals("/explain")) {
        send(response, callback, new Answer(404, "404 page not found\n"));
        return true;
      }
      Fields query = Request.extractQueryParameters(request);
      Optional<String> service = Optional.ofNullable(query.getValue("service"));
      boolean all = "true".equals(query.getValue("all"));
      boolean json = "json".equals(query.getValue("output"));
      if (service.isPresent() == all) {
        send(response, callback, new Answer(400, "give service=NAMESPACE/NAME or all=true\n"));
        return true;
      }
      Answer answer;
      try {
        answer = source.explain(service, json);
      } catch (RuntimeException e) {
        LOG.warn("kipvs explain {} failed", service.orElse("--all"), e);
        answer = new Answer(500, "kipvs explain failed in the daemon: " + e + "\n");
      }
      send(response, callback, answer);
      return true;
    }
  }

  private static void send(Response response, Callback callback, Answer answer) {
    response.setStatus(answer.status());
    response
        .getHeaders()
        .put(
            HttpHeader.CONTENT_TYPE,
            answer.body().startsWith("{") || answer.body().startsWith("[")
                ? "application/json"
                : "text/plain; charset=utf-8");
    response.write(true, ByteBuffer.wrap(answer.body().getBytes(StandardCharsets.UTF_8)), callback);
  }

  @Override
  public void close() {
    server.close();
  }
}
