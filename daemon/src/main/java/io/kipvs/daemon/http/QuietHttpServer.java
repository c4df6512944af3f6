package io.kipvs.daemon.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * A Jetty server (core API, no servlets) that costs nothing while nobody calls it: no thread of it
 * wakes up on a timer. In a UML node every thread wake-up costs milliseconds of CPU, and the JDK's
 * own HTTP server wakes its dispatcher every second and a timer every 10 s (BENCHMARKS.md, "Where
 * the CPU goes"). Here, while idle:
 *
 * <ul>
 *   <li>each port has one selector thread, which accepts connections too (no acceptor thread),
 *       blocked in {@code select()} without a timeout;
 *   <li>the pool's other threads wait for a job without a timeout (an idle timeout of 0 makes
 *       {@code QueuedThreadPool} take jobs without polling), and none is reserved (a reserved
 *       thread waits with a timeout);
 *   <li>the scheduler (connections' idle timeouts) has a thread only once a connection came. A
 *       closed connection's timeout is cancelled, and once the time it was due has passed (30 s
 *       after the connection's last activity, at most one wake-up) the thread waits without a
 *       timeout.
 * </ul>
 *
 * <p>The pool holds exactly one thread per port plus one for handlers that block (minimum equal to
 * maximum, so a request never starts a thread). One server can listen on several ports ({@link
 * #listen}), which the health-check node ports share.
 */
public final class QuietHttpServer implements AutoCloseable {
  // Threads besides the ports' selectors: handlers that write as they go run there.
  private static final int WORKERS = 1;

  private final Server server;
  private final QueuedThreadPool threads;
  private final HttpConfiguration http = new HttpConfiguration();
  private final Map<Integer, ServerConnector> connectors = new HashMap<>();

  private QuietHttpServer(Server server, QueuedThreadPool threads) {
    this.server = server;
    this.threads = threads;
    // The responses are kube-proxy's: no "Server: Jetty(...)" header.
    http.setSendServerVersion(false);
  }

  /**
   * A server answering with this handler, not listening yet.
   *
   * @param name prefix of its threads' names
   * @throws IOException when Jetty cannot start
   */
  public static QuietHttpServer start(String name, Handler handler) throws IOException {
    QueuedThreadPool threads = new QueuedThreadPool(WORKERS, WORKERS, 0, 0, null, null);
    threads.setName(name);
    threads.setDaemon(true);
    Server server =
        new Server(threads, new ScheduledExecutorScheduler(name + "-timeouts", true), null);
    server.setHandler(handler);
    startComponent(server);
    return new QuietHttpServer(server, threads);
  }

  /**
   * Listens on its only address, and stops the server when that cannot be bound: for the servers of
   * one address (healthz, metrics, debug), whose start fails as a whole.
   *
   * @return the port actually bound
   * @throws IOException when the address cannot be bound
   */
  public int listenOnly(InetSocketAddress address) throws IOException {
    try {
      return listen(address);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Listens on one more address (port 0 picks a free port).
   *
   * @return the port actually bound
   * @throws IOException when the address cannot be bound
   */
  public synchronized int listen(InetSocketAddress address) throws IOException {
    ServerConnector connector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
    connector.setHost(address.getAddress().getHostAddress());
    connector.setPort(address.getPort());
    // The selector's thread first, or the pool refuses to lend it.
    resize(connectors.size() + 1);
    server.addConnector(connector);
    try {
      startComponent(connector);
    } catch (IOException e) {
      server.removeConnector(connector);
      resize(connectors.size());
      throw e;
    }
    int port = connector.getLocalPort();
    connectors.put(port, connector);
    return port;
  }

  /** Stops listening on this port (a port it does not listen on is ignored). */
  public synchronized void close(int port) {
    ServerConnector connector = connectors.remove(port);
    if (connector != null) {
      stop(connector, port);
      server.removeConnector(connector);
      resize(connectors.size());
    }
  }

  private void resize(int ports) {
    int size = ports + WORKERS;
    // In this order, so that the minimum never exceeds the maximum.
    if (size > threads.getMaxThreads()) {
      threads.setMaxThreads(size);
      threads.setMinThreads(size);
    } else {
      threads.setMinThreads(size);
      threads.setMaxThreads(size);
    }
  }

  /** Stops at once: probes and scrapes need no graceful drain. */
  @Override
  public synchronized void close() {
    connectors.forEach((port, connector) -> stop(connector, port));
    connectors.clear();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the HTTP server: " + e, e);
    }
  }

  private static void startComponent(LifeCycle component) throws IOException {
    try {
      component.start();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e.toString(), e);
    }
  }

  private static void stop(ServerConnector connector, int port) {
    try {
      connector.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot close port " + port + ": " + e, e);
    }
  }
}
