package io.kipvs.e2e.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * fabric8's mock Kubernetes API server in CRUD mode on the host's loopback, plain HTTP. Nodes reach
 * it through slirp at {@link #urlFromNode()}, by way of a forwarder that can play an outage: {@link
 * #stop()} resets the nodes' connections and refuses new ones, {@link #restart()} serves again on
 * the same port with every object kept. The test's own {@link #client()} talks to the server
 * directly, as the control plane would. A watch from a resourceVersion gets only what changed after
 * it, as from a real API server, not every object again ({@link ResumingCrudDispatcher}).
 */
public final class ApiServer implements AutoCloseable {
  /** Where a node's slirp link reaches the host's loopback. */
  public static final String HOST_FROM_NODE = "10.0.2.2";

  /** Held so that its level sticks: MockWebServer logs every request at INFO. */
  private static final java.util.logging.Logger MOCK_WEB_SERVER_LOG =
      java.util.logging.Logger.getLogger(MockWebServer.class.getName());

  static {
    MOCK_WEB_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final OutageProxy proxy;
  private final boolean tls;

  private ApiServer(Optional<SSLContext> tls) {
    this.tls = tls.isPresent();
    MockWebServer web = new MockWebServer();
    web.setServerSocketFactory(new NoDelayServerSockets());
    tls.ifPresent(context -> web.useHttps(context.getSocketFactory(), false));
    server =
        new KubernetesMockServer(
            new Context(), web, new HashMap<>(), new ResumingCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    proxy = new OutageProxy(server.getPort());
  }

  public static ApiServer start() {
    return new ApiServer(Optional.empty());
  }

  /**
   * The same server over HTTPS only, presenting the certificate of {@code server} (e.g. {@link
   * TestCertificates#serverContext()}, made for the address nodes reach it at); the test's own
   * {@link #client()} trusts any certificate.
   */
  public static ApiServer startTls(SSLContext server) {
    return new ApiServer(Optional.of(server));
  }

  /**
   * Every request the server received since the last call (nodes' and the test's, in order of
   * arrival), with their headers: what credentials a client sent, for instance.
   */
  public List<RecordedRequest> takeRequests() {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(0, TimeUnit.MILLISECONDS);
          r != null;
          r = server.takeRequest(0, TimeUnit.MILLISECONDS)) {
        requests.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return requests;
  }

  /** A client on the host, for the test to create and change objects. */
  public KubernetesClient client() {
    return client;
  }

  /** The port nodes connect to (on the host's loopback). */
  public int port() {
    return proxy.port();
  }

  /** The API server's URL as a node sees it, for kube-proxy's --master flag. */
  public String urlFromNode() {
    return (tls ? "https" : "http") + "://" + HOST_FROM_NODE + ":" + port();
  }

  /** An outage as nodes see it: their connections are reset and new ones refused. */
  public void stop() {
    proxy.cut();
  }

  /** Ends the outage: nodes can connect again, and find every object the server had. */
  public void restart() {
    proxy.resume();
  }

  @Override
  public void close() {
    proxy.close();
    client.close();
    server.destroy();
  }
}
