package io.kipvs.daemon.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.k8s.ServiceName;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthCheckServersTest {
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static HttpResponse<String> get(int port) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersWithTheLocalEndpointCountAndFollowsUpdates() throws Exception {
    AtomicBoolean proxyHealthy = new AtomicBoolean(true);
    int port = freePort();
    ServiceName web = new ServiceName("shop", "web");
    try (HealthCheckServers servers = new HealthCheckServers("127.0.0.1", proxyHealthy::get)) {
      servers.update(Map.of(port, new HealthCheckServers.Check(web, 2)));
      HttpResponse<String> ok = get(port);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body())
          .isEqualTo(
              "{\n"
                  + "\t\"service\": {\n"
                  + "\t\t\"namespace\": \"shop\",\n"
                  + "\t\t\"name\": \"web\"\n"
                  + "\t},\n"
                  + "\t\"localEndpoints\": 2,\n"
                  + "\t\"serviceProxyHealthy\": true\n"
                  + "}");
      assertThat(ok.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(ok.headers().firstValue("X-Load-Balancing-Endpoint-Weight")).contains("2");

      servers.update(Map.of(port, new HealthCheckServers.Check(web, 0)));
      HttpResponse<String> none = get(port);
      assertThat(none.statusCode()).isEqualTo(503);
      assertThat(none.body()).contains("\"localEndpoints\": 0,");

      servers.update(Map.of(port, new HealthCheckServers.Check(web, 1)));
      proxyHealthy.set(false);
      HttpResponse<String> sick = get(port);
      assertThat(sick.statusCode()).isEqualTo(503);
      assertThat(sick.body()).contains("\"serviceProxyHealthy\": false\n}");

      servers.update(Map.of());
      assertThat(servers.portCount()).isZero();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(port))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void servesSeveralPortsAndClosesOnlyTheDroppedOnes() throws Exception {
    int a = freePort();
    int b = freePort();
    int c = freePort();
    ServiceName web = new ServiceName("shop", "web");
    ServiceName api = new ServiceName("shop", "api");
    ServiceName db = new ServiceName("shop", "db");
    try (HealthCheckServers servers = new HealthCheckServers("127.0.0.1", () -> true)) {
      servers.update(
          Map.of(
              a, new HealthCheckServers.Check(web, 1),
              b, new HealthCheckServers.Check(api, 2),
              c, new HealthCheckServers.Check(db, 0)));
      assertThat(servers.portCount()).isEqualTo(3);
      assertThat(get(a).body()).contains("\"name\": \"web\"");
      assertThat(get(b).headers().firstValue("X-Load-Balancing-Endpoint-Weight")).contains("2");
      assertThat(get(c).statusCode()).isEqualTo(503);

      servers.update(Map.of(b, new HealthCheckServers.Check(api, 3)));
      assertThat(servers.portCount()).isEqualTo(1);
      assertThat(get(b).body()).contains("\"localEndpoints\": 3,");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(a))
          .isInstanceOf(IOException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(c))
          .isInstanceOf(IOException.class);

      servers.update(Map.of(a, new HealthCheckServers.Check(web, 1)));
      assertThat(get(a).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aPortHeldByAnotherProcessIsLoggedAndTheOthersServed() throws Exception {
    int free = freePort();
    ServiceName web = new ServiceName("shop", "web");
    ServiceName api = new ServiceName("shop", "api");
    try (ServerSocket held = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        HealthCheckServers servers = new HealthCheckServers("127.0.0.1", () -> true)) {
      servers.update(
          Map.of(
              held.getLocalPort(),
              new HealthCheckServers.Check(web, 1),
              free,
              new HealthCheckServers.Check(api, 1)));
      assertThat(servers.portCount()).isEqualTo(1);
      assertThat(get(free).body()).contains("\"name\": \"api\"");
    }
  }
}
