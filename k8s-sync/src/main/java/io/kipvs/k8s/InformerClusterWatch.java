package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
  private final BadInputReporter errorReporter;
  private List<SharedIndexInformer<?>> informers = List.of();
  private List<CompletableFuture<Void>> listed = List.of();
  private CompletableFuture<Void> allListed = new CompletableFuture<>();
  private List<DeliveringHandler<?>> handlers = List.of();
  private final Object deliveries = new Object();
  private volatile boolean synced;

  InformerClusterWatch(
      KubernetesClient client,
      String nodeName,
      ClusterStateTracker tracker,
      BadInputReporter errorReporter) {
    this.errorReporter = errorReporter;
    this.client = Objects.requireNonNull(client, "client");
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    this.tracker = tracker;
  }

  static ClusterWatch create(KubernetesClient client, String nodeName) {
    Clock clock = Clock.systemUTC();
    RateLimitedReporter reporter = RateLimitedReporter.toLog(LOG, clock);
    return new InformerClusterWatch(
        client, nodeName, new ClusterStateTracker(nodeName, reporter, clock), reporter);
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
    var serviceHandler = handler("Service", tracker::upsertService, tracker::deleteService);
    services.addEventHandler(serviceHandler);
    SharedIndexInformer<EndpointSlice> slices =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inAnyNamespace()
            .withoutLabel(SERVICE_PROXY_NAME_LABEL)
            .withoutLabel(HEADLESS_LABEL)
            .runnableInformer(0);
    var sliceHandler = handler("EndpointSlice", tracker::upsertSlice, tracker::deleteSlice);
    slices.addEventHandler(sliceHandler);
    SharedIndexInformer<Node> node = client.nodes().withName(nodeName).runnableInformer(0);
    var nodeHandler = handler("Node", tracker::upsertNode, tracker::deleteNode);
    node.addEventHandler(nodeHandler);
    informers = List.of(services, slices, node);
    List<String> kinds = List.of("Service", "EndpointSlice", "Node");
    for (int i = 0; i < informers.size(); i++) {
      String what = kinds.get(i) + " informer";
      informers.get(i).exceptionHandler((started, failure) -> retryAfter(what, started, failure));
    }
    handlers = List.of(serviceHandler, sliceHandler, nodeHandler);
    long startNanos = System.nanoTime();
    listed = informers.stream().map(i -> i.start().toCompletableFuture()).toList();
    allListed = CompletableFuture.allOf(listed.toArray(CompletableFuture[]::new));
    // How long the first list takes is worth seeing at scale (BENCHMARKS.md).
    allListed.thenRun(
        () ->
            LOG.info(
                "Informers listed {} services and {} endpoint slices in {} ms",
                services.getStore().listKeys().size(),
                slices.getStore().listKeys().size(),
                (System.nanoTime() - startNanos) / 1_000_000));
  }

  /** Completes when every informer has listed once (its objects may not have reached us yet). */
  synchronized CompletableFuture<Void> listed() {
    return allListed;
  }

  /**
   * An informer reports itself synced once its first list is in its store, but hands the listed
   * objects to handlers asynchronously. Synced here means more: every object in every store has
   * also reached the tracker, so the first snapshot after sync is never half-listed.
   */
  @Override
  public boolean hasSynced() {
    if (synced) {
      return true;
    }
    List<SharedIndexInformer<?>> current;
    List<DeliveringHandler<?>> delivering;
    synchronized (this) {
      current = informers;
      delivering = handlers;
    }
    if (current.isEmpty()) {
      return false;
    }
    for (int i = 0; i < current.size(); i++) {
      if (!current.get(i).hasSynced()
          || !delivering.get(i).delivered(current.get(i).getStore().listKeys())) {
        return false;
      }
    }
    synced = true;
    delivering.forEach(DeliveringHandler::forget);
    return true;
  }

  @Override
  public boolean awaitSynced(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<Void>> futures;
    synchronized (this) {
      futures = listed;
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
      // Only after close: failures are retried (retryAfter).
      return false;
    }
    synchronized (deliveries) {
      while (!hasSynced()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Woken by each delivery; the bound only guards against a missed store change.
        TimeUnit.NANOSECONDS.timedWait(
            deliveries, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    }
    return true;
  }

  // Like client-go's reflector, keep trying (fabric8 backs off between attempts): a proxy that
  // stops watching after an API server hiccup or a late RBAC grant would silently go stale.
  private boolean retryAfter(String what, boolean started, Throwable failure) {
    if (ExceptionHandler.isDeserializationException(failure)) {
      errorReporter.warn(what, "cannot read an object, retrying: " + failure);
    } else {
      errorReporter.warn(
          what, (started ? "watch failed" : "list failed") + ", retrying: " + failure.getMessage());
    }
    return true;
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

  private <T extends HasMetadata> DeliveringHandler<T> handler(
      String kind, Consumer<T> upsert, Consumer<T> delete) {
    return new DeliveringHandler<>(kind, upsert, delete);
  }

  /** Feeds the tracker and remembers which objects it has handed over, for {@link #hasSynced}. */
  private final class DeliveringHandler<T extends HasMetadata> implements ResourceEventHandler<T> {
    private final String kind;
    private final Consumer<T> upsert;
    private final Consumer<T> delete;
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();

    DeliveringHandler(String kind, Consumer<T> upsert, Consumer<T> delete) {
      this.kind = kind;
      this.upsert = upsert;
      this.delete = delete;
    }

    boolean delivered(List<String> keys) {
      return delivered.containsAll(keys);
    }

    /** Once synced, which objects were delivered no longer matters. */
    void forget() {
      delivered.clear();
    }

    @Override
    public void onAdd(T object) {
      apply(object, skipped(object) ? delete : upsert);
      track(object, true);
    }

    @Override
    public void onUpdate(T before, T after) {
      // The label selector already hides skipped objects; this guards servers that ignore it.
      apply(after, skipped(after) ? delete : upsert);
      track(after, true);
    }

    @Override
    public void onDelete(T object, boolean finalStateUnknown) {
      apply(object, delete);
      track(object, false);
    }

    private void track(T object, boolean present) {
      if (synced) {
        return;
      }
      String key = Cache.metaNamespaceKeyFunc(object);
      if (present) {
        delivered.add(key);
      } else {
        delivered.remove(key);
      }
      synchronized (deliveries) {
        deliveries.notifyAll();
      }
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
  }
}
