package io.kipvs.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.ServiceResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ApiServerTest {
  private static final Duration EVENT_DEADLINE = Duration.ofSeconds(10);

  @Test
  void anOutageCutsNodesOffAndTheServerComesBackWithItsObjects() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      k8s.clusterIpService("kept", "10.96.0.1", 80);
      try (KubernetesClient node =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + api.port()).build())
              .build()) {
        assertThat(node.services().inNamespace("default").withName("kept").get()).isNotNull();
        var informer = node.services().inAnyNamespace().inform();

        api.stop();
        assertThatThrownBy(() -> new Socket("127.0.0.1", api.port()).close())
            .isInstanceOf(ConnectException.class);
        k8s.clusterIpService("during", "10.96.0.2", 80);
        api.restart();

        assertThat(node.services().inNamespace("default").list().getItems())
            .extracting(s -> s.getMetadata().getName())
            .containsExactlyInAnyOrder("kept", "during");
        informer.close();
      }
    }
  }

  @Test
  void aWatchFromAListsResourceVersionGetsOnlyWhatChangedAfterIt() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      k8s.clusterIpService("listed-1", "10.96.0.1", 80);
      k8s.clusterIpService("listed-2", "10.96.0.2", 80);
      k8s.clusterIpService("listed-3", "10.96.0.3", 80);
      var services = api.client().services().inNamespace(Workloads.NAMESPACE);
      String listed = services.list().getMetadata().getResourceVersion();
      k8s.clusterIpService("after-list", "10.96.0.4", 80);

      WatchEvents events = new WatchEvents();
      try (Watch watch =
          services.watch(new ListOptionsBuilder().withResourceVersion(listed).build(), events)) {
        assertThat(events.next()).isEqualTo(new Event(Watcher.Action.ADDED, "after-list"));
        // A replay of the listed services would come before these, on the same watch.
        label(services, "listed-2");
        assertThat(events.next()).isEqualTo(new Event(Watcher.Action.MODIFIED, "listed-2"));
        k8s.deleteService("listed-3");
        assertThat(events.next()).isEqualTo(new Event(Watcher.Action.DELETED, "listed-3"));
      }
    }
  }

  @Test
  void aWatchWithoutAResourceVersionOrFromZeroGetsEveryObjectAsAdded() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      k8s.clusterIpService("one", "10.96.0.1", 80);
      k8s.clusterIpService("two", "10.96.0.2", 80);
      var services = api.client().services().inNamespace(Workloads.NAMESPACE);

      WatchEvents withoutVersion = new WatchEvents();
      WatchEvents fromZero = new WatchEvents();
      try (Watch a = services.watch(withoutVersion);
          Watch b =
              services.watch(new ListOptionsBuilder().withResourceVersion("0").build(), fromZero)) {
        for (WatchEvents events : List.of(withoutVersion, fromZero)) {
          assertThat(List.of(events.next(), events.next()))
              .containsExactlyInAnyOrder(
                  new Event(Watcher.Action.ADDED, "one"), new Event(Watcher.Action.ADDED, "two"));
        }
      }
    }
  }

  @Test
  void aWatchFromAResourceVersionThisServerNeverHandsOutIsRefusedNamingIt() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      // fabric8's client drops the body of a refused watch, so this asks over plain HTTP.
      HttpResponse<String> refused =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + api.port()
                                  + "/api/v1/namespaces/default/services"
                                  + "?watch=true&resourceVersion=yesterday"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body())
          .contains(
              "watch /api/v1/namespaces/default/services?watch=true&resourceVersion=yesterday:"
                  + " resourceVersion yesterday is not one this server hands out");
    }
  }

  @Test
  void anInformerSyncsAndThenSeesAddsUpdatesAndDeletes() {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      k8s.clusterIpService("listed-1", "10.96.0.1", 80);
      k8s.clusterIpService("listed-2", "10.96.0.2", 80);
      var services = api.client().services().inNamespace(Workloads.NAMESPACE);
      HandledEvents handled = new HandledEvents();
      var informer = services.inform(handled);
      try {
        assertThat(informer.hasSynced()).isTrue();
        assertThat(informer.getStore().listKeys())
            .containsExactlyInAnyOrder("default/listed-1", "default/listed-2");

        k8s.clusterIpService("added", "10.96.0.3", 80);
        await().atMost(EVENT_DEADLINE).until(() -> handled.list().contains("add added"));
        label(services, "listed-1");
        k8s.deleteService("listed-2");

        await()
            .atMost(EVENT_DEADLINE)
            .untilAsserted(
                () -> {
                  List<String> seen = handled.list();
                  assertThat(seen).hasSize(5);
                  assertThat(seen.subList(0, 2))
                      .containsExactlyInAnyOrder("add listed-1", "add listed-2");
                  assertThat(seen.subList(2, 5))
                      .containsExactly("add added", "update listed-1", "delete listed-2");
                });
        assertThat(informer.getStore().listKeys())
            .containsExactlyInAnyOrder("default/listed-1", "default/added");
      } finally {
        informer.close();
      }
    }
  }

  @Test
  void aListWithALimitComesInPagesOfTheListAsItStoodAtItsFirstPage() throws Exception {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      for (int i = 0; i < 5; i++) {
        k8s.clusterIpService("listed-" + i, "10.96.0." + (i + 1), 80);
      }
      var services = api.client().services().inNamespace(Workloads.NAMESPACE);
      ServiceList first = services.list(new ListOptionsBuilder().withLimit(2L).build());
      assertThat(first.getItems()).hasSize(2);
      assertThat(first.getMetadata().getRemainingItemCount()).isEqualTo(3L);
      List<String> names = new ArrayList<>(names(first));
      // Written between pages: not in this list, which reads as of its first page.
      k8s.clusterIpService("after-first-page", "10.96.0.9", 80);
      String next = first.getMetadata().getContinue();
      String[] lastToken = {next};
      int pages = 1;
      while (next != null && !next.isEmpty()) {
        ServiceList page =
            services.list(new ListOptionsBuilder().withLimit(2L).withContinue(next).build());
        assertThat(page.getItems()).hasSizeLessThanOrEqualTo(2);
        names.addAll(names(page));
        lastToken[0] = next;
        next = page.getMetadata().getContinue();
        pages++;
      }
      assertThat(pages).isEqualTo(3);
      assertThat(names)
          .containsExactlyInAnyOrder("listed-0", "listed-1", "listed-2", "listed-3", "listed-4");
      assertThat(services.list().getItems()).hasSize(6);

      // The list's pages are gone once its last one was read, as a compacted token's are.
      assertThatThrownBy(
              () ->
                  services.list(
                      new ListOptionsBuilder().withLimit(2L).withContinue(lastToken[0]).build()))
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(410));

      var informer = api.client().services().inAnyNamespace().withLimit(2L).inform();
      try {
        await()
            .atMost(EVENT_DEADLINE)
            .untilAsserted(() -> assertThat(informer.getStore().list()).hasSize(6));
      } finally {
        informer.close();
      }
    }
  }

  @Test
  void writesFindTheirObjectAfterItsLabelsChangeAndAfterItIsDeletedAndCreatedAgain() {
    try (ApiServer api = ApiServer.start()) {
      Workloads k8s = new Workloads(api::client);
      k8s.clusterIpService("other", "10.96.0.2", 80);
      k8s.clusterIpService("web", "10.96.0.1", 80);
      var services = api.client().services().inNamespace(Workloads.NAMESPACE);
      annotate(services, "web", "1");
      // A label is part of the key the server stores the object under: the key changes.
      label(services, "web");
      annotate(services, "web", "2");
      services.withName("web").delete();
      await().atMost(EVENT_DEADLINE).until(() -> services.withName("web").get() == null);
      k8s.clusterIpService("web", "10.96.0.3", 80);
      annotate(services, "web", "3");

      Service web = services.withName("web").get();
      assertThat(web.getMetadata().getAnnotations()).containsEntry("write", "3");
      assertThat(web.getMetadata().getLabels()).doesNotContainKey("changed");
      assertThat(web.getSpec().getClusterIP()).isEqualTo("10.96.0.3");
      assertThat(services.withName("other").get().getMetadata().getAnnotations()).isNullOrEmpty();
      assertThat(services.list().getItems()).hasSize(2);
    }
  }

  private static void annotate(
      NonNamespaceOperation<Service, ServiceList, ServiceResource<Service>> services,
      String name,
      String write) {
    Service current = services.withName(name).get();
    current.getMetadata().setAnnotations(java.util.Map.of("write", write));
    Service updated = services.resource(current).update();
    assertThat(updated.getMetadata().getAnnotations()).containsEntry("write", write);
  }

  private static List<String> names(ServiceList list) {
    return list.getItems().stream().map(s -> s.getMetadata().getName()).toList();
  }

  private static void label(
      NonNamespaceOperation<Service, ServiceList, ServiceResource<Service>> services, String name) {
    services
        .withName(name)
        .edit(
            s ->
                new ServiceBuilder(s)
                    .editMetadata()
                    .addToLabels("changed", "yes")
                    .endMetadata()
                    .build());
  }

  private record Event(Watcher.Action action, String name) {}

  /** A watch's events in the order they arrive. */
  private static final class WatchEvents implements Watcher<Service> {
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    @Override
    public void eventReceived(Action action, Service service) {
      events.add(new Event(action, service.getMetadata().getName()));
    }

    @Override
    public void onClose(WatcherException cause) {}

    Event next() throws InterruptedException {
      Event event = events.poll(EVENT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(event).as("the next watch event within %s", EVENT_DEADLINE).isNotNull();
      return event;
    }
  }

  /** What an informer's handler was told, in order: "add NAME", "update NAME", "delete NAME". */
  private static final class HandledEvents implements ResourceEventHandler<Service> {
    private final List<String> events = new ArrayList<>();

    @Override
    public synchronized void onAdd(Service service) {
      events.add("add " + service.getMetadata().getName());
    }

    @Override
    public synchronized void onUpdate(Service before, Service after) {
      events.add("update " + after.getMetadata().getName());
    }

    @Override
    public synchronized void onDelete(Service service, boolean finalStateUnknown) {
      events.add("delete " + service.getMetadata().getName());
    }

    synchronized List<String> list() {
      return List.copyOf(events);
    }
  }
}
