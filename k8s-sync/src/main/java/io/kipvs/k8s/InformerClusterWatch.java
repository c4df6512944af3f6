package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterWatch} over fabric8 informers: Services and EndpointSlices in all namespaces
 * without the labels upstream kube-proxy skips, and this node's Node. The informers list, watch,
 * and re-list after a dropped watch or 410 Gone on their own; this class feeds their events to a
 * {@link ClusterStateTracker}.
 */
final class InformerClusterWatch implements ClusterWatch {
  private static final Logger LOG = LoggerFactory.getLogger(InformerClusterWatch.class);

  /** Objects with this label belong to another service proxy. */
  static final String SERVICE_PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name";

  /** Headless services and their slices carry this label; there is nothing to proxy. */
  static final String HEADLESS_LABEL = "service.kubernetes.io/headless";

  private final KubernetesClient client;
  private final String nodeName;
  private final ClusterStateTracker tracker;
  private List<SharedIndexInformer<?>> informers = List.of();
  private List<CompletableFuture<Void>> synced = List.of();

  InformerClusterWatch(KubernetesClient client, String nodeName, ClusterStateTracker tracker) {
    this.client = Objects.requireNonNull(client, "client");
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    this.tracker = tracker;
  }

  static ClusterWatch create(KubernetesClient client, String nodeName) {
    Clock clock = Clock.systemUTC();
    return new InformerClusterWatch(
        client,
        nodeName,
        new ClusterStateTracker(nodeName, RateLimitedReporter.toLog(LOG, clock), clock));
  }

  @Override
  public synchronized void start() {
    if (!informers.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    SharedIndexInformer<Service> services =
        client
            .services()
            .inAnyNamespace()
            .withoutLabel(SERVICE_PROXY_NAME_LABEL)
            .withoutLabel(HEADLESS_LABEL)
            .runnableInformer(0);
    services.addEventHandler(handler("Service", tracker::upsertService, tracker::deleteService));
    SharedIndexInformer<EndpointSlice> slices =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inAnyNamespace()
            .withoutLabel(SERVICE_PROXY_NAME_LABEL)
            .withoutLabel(HEADLESS_LABEL)
            .runnableInformer(0);
    slices.addEventHandler(handler("EndpointSlice", tracker::upsertSlice, tracker::deleteSlice));
    SharedIndexInformer<Node> node = client.nodes().withName(nodeName).runnableInformer(0);
    node.addEventHandler(handler("Node", tracker::upsertNode, tracker::deleteNode));
    informers = List.of(services, slices, node);
    synced = informers.stream().map(i -> i.start().toCompletableFuture()).toList();
  }

  @Override
  public boolean hasSynced() {
    List<SharedIndexInformer<?>> current = informers;
    return !current.isEmpty() && current.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public boolean awaitSynced(Duration timeout) throws InterruptedException {
    List<CompletableFuture<Void>> futures;
    synchronized (this) {
      futures = synced;
    }
    if (futures.isEmpty()) {
      return false;
    }
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
          .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return hasSynced();
    } catch (ExecutionException e) {
      // A failed first list is retried by the informer; report what is true now.
      LOG.warn("An informer failed to start: {}", e.getCause().toString());
      return hasSynced();
    }
    return hasSynced();
  }

  @Override
  public void addChangeListener(Runnable listener) {
    tracker.addChangeListener(listener);
  }

  @Override
  public ClusterChanges takeChanges() {
    return tracker.takeChanges();
  }

  @Override
  public ClusterSnapshot snapshot() {
    return tracker.snapshot();
  }

  @Override
  public synchronized void close() {
    for (SharedIndexInformer<?> informer : informers) {
      informer.close();
    }
  }

  static boolean skipped(HasMetadata object) {
    Map<String, String> labels =
        object.getMetadata() == null ? null : object.getMetadata().getLabels();
    return labels != null
        && (labels.containsKey(SERVICE_PROXY_NAME_LABEL) || labels.containsKey(HEADLESS_LABEL));
  }

  private static <T extends HasMetadata> ResourceEventHandler<T> handler(
      String kind, Consumer<T> upsert, Consumer<T> delete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        apply(object, skipped(object) ? delete : upsert);
      }

      @Override
      public void onUpdate(T before, T after) {
        // The label selector already hides skipped objects; this guards servers that ignore it.
        apply(after, skipped(after) ? delete : upsert);
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        apply(object, delete);
      }

      private void apply(T object, Consumer<T> action) {
        try {
          action.accept(object);
        } catch (RuntimeException e) {
          // One object must never stop the informer from delivering the others.
          LOG.error(
              "{} {}/{} could not be processed",
              kind,
              object.getMetadata() == null ? "?" : object.getMetadata().getNamespace(),
              object.getMetadata() == null ? "?" : object.getMetadata().getName(),
              e);
        }
      }
    };
  }
}
