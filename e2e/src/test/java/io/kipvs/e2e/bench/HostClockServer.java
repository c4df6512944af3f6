package io.kipvs.e2e.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;

/**
 * The host's clock for a probe in a node, on the host's loopback (a node reaches it through slirp):
 * for each byte a client sends, it answers the host's time in epoch microseconds, as 8 bytes. The
 * probe times each exchange on its own clock and keeps the one with the shortest round trip, as NTP
 * does, to tell how far its clock is from the host's.
 */
final class HostClockServer implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;

  HostClockServer() throws IOException {
    server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "host-clock");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> answer(client), "host-clock-client");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void answer(Socket client) {
    try (client;
        DataInputStream in = new DataInputStream(client.getInputStream());
        DataOutputStream out = new DataOutputStream(client.getOutputStream())) {
      client.setTcpNoDelay(true);
      while (in.read() >= 0) {
        out.writeLong(epochMicros(Instant.now()));
        out.flush();
      }
    } catch (IOException e) {
      // The probe went away.
    }
  }

  static long epochMicros(Instant t) {
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
