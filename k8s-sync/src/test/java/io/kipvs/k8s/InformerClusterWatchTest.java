package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.addresses;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.simpleService;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The informer-backed watch against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class InformerClusterWatchTest {
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("okhttp3.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final ServiceName WEB = new ServiceName("ns", "web");
  private static final ServiceName API = new ServiceName("ns", "api");
  private static final ServiceName OTHER = new ServiceName("other", "db");

  KubernetesMockServer server;
  KubernetesClient client;
  private ClusterWatch watch;
  private ChangeCollector collector;

  @BeforeEach
  void startWatch() throws InterruptedException {
    client.nodes().resource(node(NODE, "zone-a")).create();
    watch = ClusterWatch.create(client, NODE);
    assertThat(watch.hasSynced()).isFalse();
    collector = new ChangeCollector(watch);
    watch.start();
    assertThat(watch.awaitSynced(TIMEOUT)).isTrue();
    assertThat(watch.hasSynced()).isTrue();
    collector.awaitSnapshot(s -> s.nodeZone().isPresent(), TIMEOUT);
  }

  @AfterEach
  void closeWatch() {
    watch.close();
  }

  @Test
  void servicesAndSlicesCreatedUpdatedAndDeleted() throws InterruptedException {
    // Registered before the changes: events may be tracked before any later line runs.
    java.util.concurrent.CountDownLatch signalled = new java.util.concurrent.CountDownLatch(1);
    watch.addChangeListener(signalled::countDown);
    create(simpleService("ns", "web", "10.96.0.1"));
    create(simpleService("ns", "api", "10.96.0.2"));
    create(simpleService("other", "db", "10.96.0.3"));
    create(slice("ns", "web-1", "web", ep("10.0.0.1/R"), ep("10.0.0.2/RL")).build());
    create(slice("other", "db-1", "db", ep("10.0.1.1/R")).build());

    var created =
        collector.awaitSnapshot(
            s ->
                s.serviceCount() == 3
                    && endpointsOf(s, WEB).size() == 2
                    && endpointsOf(s, OTHER).size() == 1,
            TIMEOUT);
    assertThat(created.changed()).containsExactlyInAnyOrder(WEB, API, OTHER);
    assertThat(signalled.getCount()).isZero();
    assertThat(created.snapshot().portsOf(WEB).get(0).clusterEndpoints().get(1).local()).isTrue();

    // Update one slice and one service: only those services are named.
    client
        .resource(slice("ns", "web-1", "web", ep("10.0.0.1/R"), ep("10.0.0.3/R")).build())
        .update();
    client
        .resource(simpleService("ns", "api", "10.96.0.2"))
        .edit(
            s -> {
              s.getSpec().getPorts().get(0).setPort(8081);
              return s;
            });
    var updated =
        collector.awaitSnapshot(
            s ->
                endpointsOf(s, WEB).equals(List.of("10.0.0.1:8080", "10.0.0.3:8080"))
                    && s.portsOf(API).get(0).port() == 8081,
            TIMEOUT);
    assertThat(updated.changed()).containsExactlyInAnyOrder(WEB, API);

    // Delete a slice, then a service.
    client.discovery().v1().endpointSlices().inNamespace("other").withName("db-1").delete();
    var sliceDeleted = collector.awaitSnapshot(s -> endpointsOf(s, OTHER).isEmpty(), TIMEOUT);
    assertThat(sliceDeleted.changed()).containsExactly(OTHER);
    client.services().inNamespace("ns").withName("api").delete();
    var serviceDeleted = collector.awaitSnapshot(s -> s.portsOf(API).isEmpty(), TIMEOUT);
    assertThat(serviceDeleted.changed()).containsExactly(API);
    assertThat(serviceDeleted.snapshot().serviceCount()).isEqualTo(2);
  }

  @Test
  void oneServiceOverThreeSlicesWithEndpointsMovingBetweenThem() throws InterruptedException {
    create(simpleService("ns", "web", "10.96.0.1"));
    create(simpleService("ns", "api", "10.96.0.2"));
    create(slice("ns", "web-a", "web", ep("10.0.0.1/R"), ep("10.0.0.2/R")).build());
    create(slice("ns", "web-b", "web", ep("10.0.0.3/R")).build());
    create(slice("ns", "web-c", "web", ep("10.0.0.4/R"), ep("10.0.0.5/R")).build());
    collector.awaitSnapshot(s -> endpointsOf(s, WEB).size() == 5 && s.serviceCount() == 2, TIMEOUT);

    // 10.0.0.2 moves from slice a to slice b: it is in both for a moment, then only in b.
    client
        .resource(slice("ns", "web-b", "web", ep("10.0.0.2/R"), ep("10.0.0.3/R")).build())
        .update();
    client.resource(slice("ns", "web-a", "web", ep("10.0.0.1/R")).build()).update();
    var moved =
        collector.awaitSnapshot(
            s -> {
              List<String> eps = endpointsOf(s, WEB);
              return eps.equals(
                  List.of(
                      "10.0.0.1:8080",
                      "10.0.0.2:8080",
                      "10.0.0.3:8080",
                      "10.0.0.4:8080",
                      "10.0.0.5:8080"));
            },
            TIMEOUT);
    assertThat(moved.changed()).containsExactly(WEB);

    // The whole of slice c goes; its endpoints arrive in a new slice d.
    client.discovery().v1().endpointSlices().inNamespace("ns").withName("web-c").delete();
    create(slice("ns", "web-d", "web", ep("10.0.0.4/R"), ep("10.0.0.6/R")).build());
    var replaced =
        collector.awaitSnapshot(
            s ->
                endpointsOf(s, WEB)
                    .equals(
                        List.of(
                            "10.0.0.1:8080",
                            "10.0.0.2:8080",
                            "10.0.0.3:8080",
                            "10.0.0.4:8080",
                            "10.0.0.6:8080")),
            TIMEOUT);
    assertThat(replaced.changed()).containsExactly(WEB);
  }

  @Test
  void nodeZoneChangeReselectsByHints() throws InterruptedException {
    Endpoint inA =
        new EndpointBuilder(ep("10.0.0.1/R"))
            .withNewHints()
            .addNewForZone("zone-a")
            .endHints()
            .build();
    Endpoint inB =
        new EndpointBuilder(ep("10.0.0.2/R"))
            .withNewHints()
            .addNewForZone("zone-b")
            .endHints()
            .build();
    create(simpleService("ns", "web", "10.96.0.1"));
    create(slice("ns", "web-1", "web", inA, inB).build());
    collector.awaitSnapshot(s -> endpointsOf(s, WEB).equals(List.of("10.0.0.1:8080")), TIMEOUT);

    client
        .nodes()
        .withName(NODE)
        .edit(
            n -> {
              n.getMetadata().getLabels().put(PersistentSnapshot.ZONE_LABEL, "zone-b");
              return n;
            });
    var moved =
        collector.awaitSnapshot(s -> endpointsOf(s, WEB).equals(List.of("10.0.0.2:8080")), TIMEOUT);
    assertThat(moved.nodeChanged()).isTrue();
    assertThat(moved.changed()).isEmpty();
    assertThat(moved.snapshot().nodeZone()).contains("zone-b");
  }

  @Test
  void objectsOwnedByAnotherProxyOrHeadlessNeverAppear() throws InterruptedException {
    Service foreign = simpleService("ns", "foreign", "10.96.0.7");
    foreign
        .getMetadata()
        .setLabels(
            new java.util.HashMap<>(
                java.util.Map.of(InformerClusterWatch.SERVICE_PROXY_NAME_LABEL, "other-proxy")));
    create(foreign);
    EndpointSlice headlessSlice = slice("ns", "web-headless", "web", ep("10.0.0.9/R")).build();
    headlessSlice.getMetadata().getLabels().put(InformerClusterWatch.HEADLESS_LABEL, "");
    create(simpleService("ns", "web", "10.96.0.1"));
    create(headlessSlice);
    create(slice("ns", "web-1", "web", ep("10.0.0.1/R")).build());
    // Created last: once it is seen, the earlier objects have been delivered too.
    create(simpleService("ns", "api", "10.96.0.2"));
    var seen =
        collector.awaitSnapshot(
            s -> s.portsOf(API).size() == 1 && endpointsOf(s, WEB).size() == 1, TIMEOUT);
    assertThat(seen.snapshot().portsOf(new ServiceName("ns", "foreign"))).isEmpty();
    assertThat(endpointsOf(seen.snapshot(), WEB)).containsExactly("10.0.0.1:8080");
    assertThat(seen.changed()).containsExactlyInAnyOrder(WEB, API);

    // A service that gets the label later leaves the snapshot.
    client
        .services()
        .inNamespace("ns")
        .withName("api")
        .edit(
            s -> {
              s.getMetadata()
                  .setLabels(java.util.Map.of(InformerClusterWatch.SERVICE_PROXY_NAME_LABEL, "x"));
              return s;
            });
    var left = collector.awaitSnapshot(s -> s.portsOf(API).isEmpty(), TIMEOUT);
    assertThat(left.changed()).containsExactly(API);
  }

  @Test
  void thousandsOfEndpointsInOneService() throws InterruptedException {
    create(simpleService("ns", "web", "10.96.0.1"));
    int perSlice = 1000;
    for (int s = 0; s < 5; s++) {
      Endpoint[] eps = new Endpoint[perSlice];
      for (int e = 0; e < perSlice; e++) {
        eps[e] = ep("10." + (10 + s) + "." + (e / 256) + "." + (e % 256) + "/R");
      }
      create(slice("ns", "web-" + s, "web", eps).build());
    }
    var all = collector.awaitSnapshot(s -> endpointsOf(s, WEB).size() == 5 * perSlice, TIMEOUT);
    assertThat(all.changed()).containsExactly(WEB);
  }

  @Test
  void syncedOnlyAfterEveryInformerListed() throws InterruptedException {
    ClusterWatch fresh = ClusterWatch.create(client, NODE);
    try {
      assertThat(fresh.hasSynced()).isFalse();
      assertThat(fresh.awaitSynced(Duration.ofMillis(10))).isFalse();
      int count = 60;
      for (int i = 0; i < count; i++) {
        create(simpleService("bulk", "svc-" + i, "10.96.1." + i));
        create(slice("bulk", "svc-" + i + "-1", "svc-" + i, ep("10.0.1." + i + "/R")).build());
      }
      fresh.start();
      assertThat(fresh.awaitSynced(TIMEOUT)).isTrue();
      // Everything listed is in the first snapshot: the daemon never sees a half-listed cluster.
      ClusterSnapshot first = fresh.snapshot();
      assertThat(first.serviceCount()).isEqualTo(count);
      for (int i = 0; i < count; i++) {
        assertThat(endpointsOf(first, new ServiceName("bulk", "svc-" + i)))
            .containsExactly("10.0.1." + i + ":8080");
      }
      assertThat(first.nodeZone()).contains("zone-a");
    } finally {
      fresh.close();
    }
  }

  @Test
  void servicesAndSlicesAreListedInPages() throws InterruptedException {
    List<String> lists = new ArrayList<>();
    for (RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        r != null && lists.size() < 2;
        r = server.takeRequest(5, TimeUnit.SECONDS)) {
      String path = r.getPath();
      if (!path.contains("watch=true")
          && (path.startsWith("/api/v1/services")
              || path.startsWith("/apis/discovery.k8s.io/v1/endpointslices"))) {
        lists.add(path);
      }
    }
    assertThat(lists)
        .hasSize(2)
        .allSatisfy(p -> assertThat(p).contains("limit=" + InformerClusterWatch.LIST_PAGE));
  }

  private void create(Service s) {
    client.resource(s).create();
  }

  private void create(EndpointSlice s) {
    client.resource(s).create();
  }

  static List<String> endpointsOf(ClusterSnapshot s, ServiceName name) {
    List<ServicePort> ports = s.portsOf(name);
    return ports.isEmpty() ? List.of() : addresses(ports.get(0).clusterEndpoints());
  }
}
