package io.kipvs.e2e.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import java.net.InetAddress;
import java.util.HashMap;
import okhttp3.mockwebserver.MockWebServer;

/**
 * fabric8's mock Kubernetes API server in CRUD mode on the host's loopback, plain HTTP. Nodes reach
 * it through slirp at {@link #urlFromNode()}. It can be stopped and started again on the same port
 * with its objects kept, to play an API server outage.
 */
public final class ApiServer implements AutoCloseable {
  /** Where a node's slirp link reaches the host's loopback. */
  public static final String HOST_FROM_NODE = "10.0.2.2";

  private final KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher();
  private final int port;
  private KubernetesMockServer server;
  private KubernetesClient client;

  private ApiServer() {
    server = newServer();
    server.init(InetAddress.getLoopbackAddress(), 0);
    port = server.getPort();
    client = server.createClient();
  }

  public static ApiServer start() {
    return new ApiServer();
  }

  private KubernetesMockServer newServer() {
    return new KubernetesMockServer(
        new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
  }

  /** A client on the host, for the test to create and change objects. */
  public synchronized KubernetesClient client() {
    return client;
  }

  public int port() {
    return port;
  }

  /** The API server's URL as a node sees it, for kube-proxy's --master flag. */
  public String urlFromNode() {
    return "http://" + HOST_FROM_NODE + ":" + port;
  }

  /** Stops serving (open watches break, connections are refused); objects are kept. */
  public synchronized void stop() {
    client.close();
    server.destroy();
  }

  /** Serves again on the same port, with the objects it had. */
  public synchronized void restart() {
    server = newServer();
    server.init(InetAddress.getLoopbackAddress(), port);
    client = server.createClient();
  }

  @Override
  public synchronized void close() {
    client.close();
    server.destroy();
  }
}
