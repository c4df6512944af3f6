package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.simpleService;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The informers' store: what it hands to the tracker, and what it keeps (the informer's own
 * behaviour on top of it, re-list and 410 Gone included, is proven against the mock server).
 */
class TrackingItemStoreTest {
  private final List<String> upserted = new ArrayList<>();
  private final List<Service> deleted = new ArrayList<>();
  private final TrackingItemStore<Service> store =
      new TrackingItemStore<>(
          "Service",
          Service::new,
          s -> upserted.add(s.getMetadata().getName() + "@" + s.getMetadata().getResourceVersion()),
          deleted::add);

  private static Service service(String name, String resourceVersion) {
    Service s = simpleService("ns", name, "10.96.0.1");
    s.getMetadata().setResourceVersion(resourceVersion);
    s.getMetadata().setAnnotations(Map.of("note", "kipvs never reads this"));
    return s;
  }

  @Test
  void handsEachNewVersionToTheTrackerOnce() {
    store.put("ns/web", service("web", "1"));
    store.put("ns/web", service("web", "1")); // a re-list of an unchanged object
    store.put("ns/web", service("web", "2"));
    assertThat(upserted).containsExactly("web@1", "web@2");
  }

  @Test
  void keepsOnlyKeyAndResourceVersion() {
    store.put("ns/web", service("web", "7"));
    Service kept = store.get("ns/web");
    assertThat(kept.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(kept.getMetadata().getName()).isEqualTo("web");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(kept.getMetadata().getAnnotations()).isEmpty();
    assertThat(kept.getSpec()).isNull();
    assertThat(store.keySet()).containsExactly("ns/web");
    assertThat(store.values()).hasSize(1);
    assertThat(store.getKey(service("web", "7"))).isEqualTo("ns/web");
  }

  @Test
  void putAnswersWithTheCurrentVersionSoThatTheInformerQueuesNoEvent() {
    // fabric8 queues an event task only when put returns nothing or another resourceVersion.
    assertThat(store.put("ns/web", service("web", "3")).getMetadata().getResourceVersion())
        .isEqualTo("3");
    assertThat(store.put("ns/web", service("web", "4")).getMetadata().getResourceVersion())
        .isEqualTo("4");
  }

  @Test
  void removeHandsTheDeletionOverWithNamespaceAndName() {
    store.put("ns/web", service("web", "1"));
    Service removed = store.remove("ns/web");
    assertThat(removed.getMetadata().getResourceVersion()).isEqualTo("1");
    assertThat(deleted).hasSize(1);
    assertThat(ServiceTranslation.nameOf(deleted.get(0))).contains(new ServiceName("ns", "web"));
    assertThat(store.remove("ns/web")).isNull();
    assertThat(deleted).hasSize(1);
    assertThat(store.size()).isZero();
  }

  @Test
  void anObjectThatGainsASkipLabelIsDeleted() {
    store.put("ns/web", service("web", "1"));
    Service labelled = service("web", "2");
    labelled.getMetadata().setLabels(Map.of(InformerClusterWatch.HEADLESS_LABEL, ""));
    store.put("ns/web", labelled);
    assertThat(upserted).containsExactly("web@1");
    assertThat(deleted).extracting(s -> s.getMetadata().getName()).containsExactly("web");
  }

  @Test
  void aFailingTrackerNeverStopsTheStore() {
    TrackingItemStore<Service> failing =
        new TrackingItemStore<>(
            "Service",
            Service::new,
            s -> {
              throw new IllegalStateException("boom");
            },
            s -> {});
    failing.put("ns/web", service("web", "1"));
    failing.put("ns/api", service("api", "1"));
    assertThat(failing.size()).isEqualTo(2);
  }

  @Test
  void clusterScopedKeysHaveNoNamespace() {
    TrackingItemStore<io.fabric8.kubernetes.api.model.Node> nodes =
        new TrackingItemStore<>(
            "Node", io.fabric8.kubernetes.api.model.Node::new, n -> {}, n -> {});
    var node = Fixtures.node("node-a", "zone-a");
    node.getMetadata().setResourceVersion("5");
    nodes.put(nodes.getKey(node), node);
    assertThat(nodes.get("node-a").getMetadata().getNamespace()).isNull();
    assertThat(nodes.get("node-a").getMetadata().getName()).isEqualTo("node-a");
  }
}
