package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kipvs.daemon.config.ApiRateLimit;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API client built from kubeconfig files as kube-proxy's, against fabric8's mock server. */
class KubernetesClientsTest {
  private static final ApiRateLimit NO_LIMIT = new ApiRateLimit(-1, 0);
  @TempDir Path dir;
  KubernetesMockServer server;

  @BeforeEach
  void startServer() {
    server = new KubernetesMockServer(false);
    server.init();
  }

  @AfterEach
  void stopServer() {
    server.destroy();
  }

  private String kubeconfig(String url, String user) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            server: %s
          name: default
        contexts:
        - context:
            cluster: default
            namespace: default
            user: default
          name: default
        current-context: default
        users:
        - name: default
          user:
        %s
        """
        .formatted(url, user.indent(4));
  }

  private RecordedRequest listServices(KubernetesClient client) throws InterruptedException {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/default/services")
        .andReturn(200, new ServiceListBuilder().build())
        .once();
    client.services().inNamespace("default").list();
    return server.takeRequest(10, TimeUnit.SECONDS);
  }

  /** kubeadm's kube-proxy kubeconfig authenticates with tokenFile; fabric8 alone ignores it. */
  @Test
  void tokenFileIsSentAndReReadWhenItRotates() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "first-token\n");
    Path config = dir.resolve("kubeconfig.conf");
    Files.writeString(config, kubeconfig(server.url("/"), "tokenFile: " + token));
    try (KubernetesClient client =
        KubernetesClients.create(Optional.of(config.toString()), Optional.empty(), NO_LIMIT)) {
      assertThat(listServices(client).getHeader("Authorization")).isEqualTo("Bearer first-token");
      Files.writeString(token, "rotated-token\n");
      assertThat(listServices(client).getHeader("Authorization")).isEqualTo("Bearer rotated-token");
    }
  }

  @Test
  void inlineTokenWins() throws Exception {
    Path config = dir.resolve("kubeconfig.conf");
    Files.writeString(
        config, kubeconfig(server.url("/"), "token: inline\ntokenFile: " + dir.resolve("missing")));
    try (KubernetesClient client =
        KubernetesClients.create(Optional.of(config.toString()), Optional.empty(), NO_LIMIT)) {
      assertThat(listServices(client).getHeader("Authorization")).isEqualTo("Bearer inline");
    }
  }

  @Test
  void masterOverridesTheKubeconfigServer() throws Exception {
    Path config = dir.resolve("kubeconfig.conf");
    Files.writeString(config, kubeconfig("https://203.0.113.1:6443", "token: t"));
    try (KubernetesClient client =
        KubernetesClients.create(
            Optional.of(config.toString()), Optional.of(server.url("/")), NO_LIMIT)) {
      assertThat(listServices(client).getPath()).isEqualTo("/api/v1/namespaces/default/services");
    }
  }

  /**
   * A kubeconfig without a server (deploy/overlays/standalone's: only the service account's token
   * and CA) is complete with --master, as in client-go; without --master the error names what is
   * missing.
   */
  @Test
  void masterCompletesAKubeconfigWithoutServer() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "sa-token\n");
    Path config = dir.resolve("kubeconfig.conf");
    Files.writeString(
        config,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: default
          cluster: {}
        contexts:
        - name: default
          context: {cluster: default, user: default}
        current-context: default
        users:
        - name: default
          user:
            tokenFile: %s
        """
            .formatted(token));
    try (KubernetesClient client =
        KubernetesClients.create(
            Optional.of(config.toString()), Optional.of(server.url("/")), NO_LIMIT)) {
      RecordedRequest request = listServices(client);
      assertThat(request.getPath()).isEqualTo("/api/v1/namespaces/default/services");
      assertThat(request.getHeader("Authorization")).isEqualTo("Bearer sa-token");
    }
    assertThatThrownBy(
            () ->
                KubernetesClients.create(
                    Optional.of(config.toString()), Optional.empty(), NO_LIMIT))
        .isInstanceOf(io.kipvs.daemon.config.UsageException.class)
        .hasMessageContaining("names no server for its cluster \"default\"")
        .hasMessageContaining("--master");
  }

  /**
   * A list that takes longer than fabric8's default request timeout (10 s) still succeeds: an
   * informer's first list at 10,000 services can take that long, and client-go sets no client-side
   * limit (the API server ends a list itself after its --request-timeout, 60 s by default).
   */
  @Test
  void aSlowListIsNotCutShort() throws Exception {
    Path config = dir.resolve("kubeconfig.conf");
    Files.writeString(config, kubeconfig(server.url("/"), "token: t"));
    server
        .expect()
        .get()
        .delay(12, TimeUnit.SECONDS)
        .withPath("/api/v1/namespaces/default/services")
        .andReturn(200, new ServiceListBuilder().build())
        .once();
    try (KubernetesClient client =
        KubernetesClients.create(Optional.of(config.toString()), Optional.empty(), NO_LIMIT)) {
      assertThat(client.services().inNamespace("default").list().getItems()).isEmpty();
    }
  }

  /**
   * --kube-api-qps=1 --kube-api-burst=2 on a clock that only moves when a request has waited: two
   * requests reach the server at once, the third is held until its token is due.
   */
  @Test
  void requestsBeyondTheBurstWaitForTheRateLimit() throws Exception {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/default/services")
        .andReturn(200, new ServiceListBuilder().build())
        .always();
    AtomicLong now = new AtomicLong();
    BlockingQueue<Long> waits = new LinkedBlockingQueue<>();
    Semaphore due = new Semaphore(0);
    ApiRateLimiter limiter =
        new ApiRateLimiter(
            new ApiRateLimit(1, 2),
            now::get,
            nanos -> {
              waits.add(nanos);
              due.acquire();
              now.addAndGet(nanos);
            });
    Path config = dir.resolve("kubeconfig.conf");
    Files.writeString(config, kubeconfig(server.url("/"), "token: t"));
    ExecutorService requests = Executors.newSingleThreadExecutor();
    try (KubernetesClient client =
        KubernetesClients.create(
            Optional.of(config.toString()), Optional.empty(), Optional.of(limiter))) {
      Future<?> three =
          requests.submit(
              () -> {
                for (int i = 0; i < 3; i++) {
                  client.services().inNamespace("default").list();
                }
              });
      // The third request asks to wait one second (1/qps): the first two have been answered.
      assertThat(waits.poll(20, TimeUnit.SECONDS)).isEqualTo(1_000_000_000L);
      assertThat(server.getRequestCount()).isEqualTo(2);
      assertThat(three).isNotDone();
      due.release();
      three.get(20, TimeUnit.SECONDS);
      assertThat(server.getRequestCount()).isEqualTo(3);
      assertThat(waits).isEmpty();
    } finally {
      requests.shutdownNow();
    }
  }

  @Test
  void missingKubeconfigIsNamed() {
    Path missing = dir.resolve("nope.conf");
    assertThatThrownBy(
            () ->
                KubernetesClients.create(
                    Optional.of(missing.toString()), Optional.empty(), NO_LIMIT))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(missing.toString());
  }
}
