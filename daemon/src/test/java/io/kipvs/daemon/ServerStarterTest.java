package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** --bind-address-hard-fail against a port really held by another socket on 127.0.0.1. */
class ServerStarterTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(LOOPBACK, port));
    return socket;
  }

  @Test
  void hardFailStopsStartUp() throws Exception {
    try (ServerSocket holder = bind(0);
        ServerStarter starter = new ServerStarter(true, Duration.ofMillis(10))) {
      int port = holder.getLocalPort();
      assertThatThrownBy(() -> starter.start("/healthz on port " + port, () -> bind(port), s -> {}))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cannot serve /healthz on port " + port);
    }
  }

  /** kube-proxy's default: the bind is retried until the port is free, the proxy goes on. */
  @Test
  void withoutHardFailTheBindIsRetriedUntilThePortIsFree() throws Exception {
    BlockingQueue<AutoCloseable> started = new LinkedBlockingQueue<>();
    ServerSocket holder = bind(0);
    int port = holder.getLocalPort();
    try (ServerStarter starter = new ServerStarter(false, Duration.ofMillis(20))) {
      starter.start("/healthz on port " + port, () -> bind(port), started::add);
      assertThat(started).isEmpty();
      holder.close();
      AutoCloseable server = started.poll(20, TimeUnit.SECONDS);
      assertThat(server).isInstanceOf(ServerSocket.class);
      assertThat(((ServerSocket) server).getLocalPort()).isEqualTo(port);
      starter.close();
      assertThat(((ServerSocket) server).isClosed()).as("closed with the starter").isTrue();
    } finally {
      holder.close();
    }
  }
}
