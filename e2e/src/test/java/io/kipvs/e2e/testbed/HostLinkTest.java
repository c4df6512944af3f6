package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A node with a slirp link reaches servers on the host's loopback. */
class HostLinkTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static HttpServer server;
  static Node node;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body = "hello from the host".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    node = testbed.startNode(NodeOptions.named("slirp1").withHostLink());
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
  }

  @Test
  void reachesAnHttpServerOnTheHostsLoopback() {
    int port = server.getAddress().getPort();

    assertThat(node.run("curl -s --max-time 10 http://10.0.2.2:" + port + "/"))
        .isEqualTo("hello from the host");
  }

  @Test
  void hostLinkIsEth0WithTheDefaultRoute() {
    assertThat(node.run("ip -4 -o addr show dev eth0")).contains("10.0.2.15/24");
    assertThat(node.run("ip route show default")).contains("via 10.0.2.2 dev eth0");
  }

  @Test
  void serviceRangesNeverLeaveTheNodeThroughTheHostLink() {
    for (String range : InitScript.SERVICE_RANGES) {
      String first = range.substring(0, range.indexOf('/'));
      String someAddress = first.substring(0, first.lastIndexOf('.')) + ".7";
      ExecResult route = node.exec("ip route get " + someAddress);
      assertThat(route.succeeded()).as("ip route get %s: %s", someAddress, route).isFalse();
      assertThat(route.stderr()).as(someAddress).contains("No route to host");
    }
  }
}
