package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.simpleService;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The Service watch is answered once by a watch that ends with 410 Gone; meanwhile the cluster
 * changes. The informer must re-list and the snapshot converge, deletions included.
 */
@EnableKubernetesMockClient(crud = true)
class InformerRelistTest {
  private static final Logger MOCK_LOG = Logger.getLogger("okhttp3.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void failedFirstListIsRetriedAndSyncWaitsForIt() throws InterruptedException {
    client.nodes().resource(node(NODE, "zone-a")).create();
    client.resource(simpleService("ns", "web", "10.96.0.1")).create();
    // RBAC not granted yet, say: the first EndpointSlice list is refused.
    server
        .expect()
        .get()
        .withPath(
            "/apis/discovery.k8s.io/v1/endpointslices?labelSelector="
                + "%21service.kubernetes.io%2Fservice-proxy-name%2C%21service.kubernetes.io%2Fheadless"
                + "&limit="
                + InformerClusterWatch.LIST_PAGE)
        .andReturn(403, "forbidden")
        .once();
    try (ClusterWatch watch = ClusterWatch.create(client, NODE)) {
      watch.start();
      assertThat(watch.awaitSynced(Duration.ofSeconds(30))).isTrue();
      assertThat(watch.snapshot().portsOf(new ServiceName("ns", "web"))).hasSize(1);
    }
    List<String> sliceLists = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (request.getPath().startsWith("/apis/discovery.k8s.io/v1/endpointslices?")
          && !request.getPath().contains("watch=true")) {
        sliceLists.add(request.getPath());
      }
    }
    assertThat(sliceLists).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void watchEndingIn410GoneRelistsAndConverges() throws InterruptedException {
    client.nodes().resource(node(NODE, "zone-a")).create();
    client.resource(simpleService("ns", "old", "10.96.0.1")).create();
    String resourceVersion =
        client.services().inAnyNamespace().list().getMetadata().getResourceVersion();
    // Expectations win over the CRUD store: the first Service watch is ours.
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/services?allowWatchBookmarks=true&labelSelector="
                + "%21service.kubernetes.io%2Fservice-proxy-name%2C%21service.kubernetes.io%2Fheadless"
                + "&resourceVersion="
                + resourceVersion
                + "&timeoutSeconds=600&watch=true")
        .andUpgradeToWebSocket()
        .open()
        .waitFor(1500)
        .andEmit(
            new WatchEvent(
                new StatusBuilder()
                    .withCode(410)
                    .withReason("Expired")
                    .withMessage("too old")
                    .build(),
                "ERROR"))
        .done()
        .once();

    try (ClusterWatch watch = ClusterWatch.create(client, NODE)) {
      ChangeCollector collector = new ChangeCollector(watch);
      watch.start();
      assertThat(watch.awaitSynced(Duration.ofSeconds(20))).isTrue();
      collector.awaitSnapshot(
          s -> s.portsOf(new ServiceName("ns", "old")).size() == 1, Duration.ofSeconds(20));

      // Invisible to the fake watch: only a re-list can reveal these.
      client.services().inNamespace("ns").withName("old").delete();
      client.resource(simpleService("ns", "new", "10.96.0.2")).create();

      var converged =
          collector.awaitSnapshot(
              s ->
                  s.portsOf(new ServiceName("ns", "new")).size() == 1
                      && s.portsOf(new ServiceName("ns", "old")).isEmpty(),
              Duration.ofSeconds(30));
      assertThat(converged.changed())
          .containsExactlyInAnyOrder(new ServiceName("ns", "old"), new ServiceName("ns", "new"));

      // And the watch that follows the re-list delivers again.
      client.resource(simpleService("ns", "later", "10.96.0.3")).create();
      collector.awaitSnapshot(
          s -> s.portsOf(new ServiceName("ns", "later")).size() == 1, Duration.ofSeconds(20));
    }
    // Proof that the 410 path was taken: the informer listed Services twice.
    List<String> informerLists = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      String path = request.getPath();
      if (path.startsWith("/api/v1/services?")
          && path.contains("labelSelector")
          && !path.contains("watch=true")) {
        informerLists.add(path);
      }
    }
    assertThat(informerLists).hasSize(2);
  }
}
