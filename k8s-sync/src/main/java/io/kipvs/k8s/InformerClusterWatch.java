package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterWatch} over fabric8 informers: Services and EndpointSlices in all namespaces
 * without the labels upstream kube-proxy skips, and this node's Node. The informers list, watch,
 * and re-list after a dropped watch or 410 Gone on their own; their stores ({@link
 * TrackingItemStore}) feed each object to a {@link ClusterStateTracker}.
 */
final class InformerClusterWatch implements ClusterWatch {
  private static final Logger LOG = LoggerFactory.getLogger(InformerClusterWatch.class);

  /**
   * Services and slices are listed in pages of this many, as client-go's pager does: the informer
   * hands each page to the tracker before it asks for the next, so the client holds one page of
   * parsed objects instead of the whole list (at 10,000 services, 20,000 objects at once doubled
   * the heap the first list needed; BENCHMARKS.md). An API server that ignores the limit sends
   * everything at once, as before.
   */
  static final long LIST_PAGE = 500;

  /** Objects with this label belong to another service proxy. */
  static final String SERVICE_PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name";

  /** Headless services and their slices carry this label; there is nothing to proxy. */
  static final String HEADLESS_LABEL = "service.kubernetes.io/headless";

  private final KubernetesClient client;
  private final String nodeName;
  private final ClusterStateTracker tracker;
  private final BadInputReporter errorReporter;
  private List<SharedIndexInformer<?>> informers = List.of();
  private CompletableFuture<Void> allListed = new CompletableFuture<>();

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
        tracked(
            client
                .services()
                .inAnyNamespace()
                .withoutLabel(SERVICE_PROXY_NAME_LABEL)
                .withoutLabel(HEADLESS_LABEL)
                .withLimit(LIST_PAGE)
                .runnableInformer(0),
            new TrackingItemStore<>(
                "Service", Service::new, tracker::upsertService, tracker::deleteService));
    SharedIndexInformer<EndpointSlice> slices =
        tracked(
            client
                .discovery()
                .v1()
                .endpointSlices()
                .inAnyNamespace()
                .withoutLabel(SERVICE_PROXY_NAME_LABEL)
                .withoutLabel(HEADLESS_LABEL)
                .withLimit(LIST_PAGE)
                .runnableInformer(0),
            new TrackingItemStore<>(
                "EndpointSlice", EndpointSlice::new, tracker::upsertSlice, tracker::deleteSlice));
    SharedIndexInformer<Node> node =
        tracked(
            client.nodes().withName(nodeName).runnableInformer(0),
            new TrackingItemStore<>("Node", Node::new, tracker::upsertNode, tracker::deleteNode));
    informers = List.of(services, slices, node);
    List<String> kinds = List.of("Service", "EndpointSlice", "Node");
    for (int i = 0; i < informers.size(); i++) {
      String what = kinds.get(i) + " informer";
      informers.get(i).exceptionHandler((started, failure) -> retryAfter(what, started, failure));
    }
    long startNanos = System.nanoTime();
    allListed =
        CompletableFuture.allOf(
            informers.stream()
                .map(i -> i.start().toCompletableFuture())
                .toArray(CompletableFuture[]::new));
    // How long the first list takes is worth seeing at scale (BENCHMARKS.md).
    allListed.thenRun(
        () ->
            LOG.info(
                "Informers listed {} services and {} endpoint slices in {} ms",
                services.getStore().listKeys().size(),
                slices.getStore().listKeys().size(),
                (System.nanoTime() - startNanos) / 1_000_000));
  }

  /**
   * The informer hands its objects to the tracker through its store, which keeps only keys and
   * resourceVersions (see {@link TrackingItemStore}); kipvs reads no index.
   */
  private static <T extends HasMetadata> SharedIndexInformer<T> tracked(
      SharedIndexInformer<T> informer, TrackingItemStore<T> store) {
    return informer.removeNamespaceIndex().itemStore(store);
  }

  /** Completes when every informer has listed once. */
  synchronized CompletableFuture<Void> listed() {
    return allListed;
  }

  /**
   * Synced once every informer has listed: its store hands each listed object to the tracker before
   * the informer reports the list done, so the first snapshot after sync is never half-listed.
   */
  @Override
  public boolean hasSynced() {
    List<SharedIndexInformer<?>> current;
    synchronized (this) {
      current = informers;
    }
    return !current.isEmpty() && current.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public boolean awaitSynced(Duration timeout) throws InterruptedException {
    CompletableFuture<Void> all;
    synchronized (this) {
      if (informers.isEmpty()) {
        return false;
      }
      all = allListed;
    }
    try {
      all.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return hasSynced();
    } catch (ExecutionException e) {
      // Only after close: failures are retried (retryAfter).
      return false;
    }
    return hasSynced();
  }

  // Like client-go's reflector, keep trying (fabric8 backs off between attempts): a proxy that
  // stops watching after an API server hiccup or a late RBAC grant would silently go stale.
  private boolean retryAfter(String what, boolean started, Throwable failure) {
    if (ExceptionHandler.isDeserializationException(failure)) {
      errorReporter.warn(what, "cannot read an object, retrying: " + failure);
    } else {
      errorReporter.warn(
          what, (started ? "watch failed" : "list failed") + ", retrying: " + describe(failure));
    }
    return true;
  }

  /**
   * The failure's message; for a TLS failure, which server and which certificate authority, as that
   * is what a user has to fix (fabric8's own message names neither).
   */
  private String describe(Throwable failure) {
    Optional<Throwable> tls = Optional.empty();
    for (Throwable t = failure; t != null && tls.isEmpty(); t = t.getCause()) {
      if (t instanceof SSLException) {
        tls = Optional.of(t);
      }
    }
    if (tls.isEmpty()) {
      return failure.getMessage();
    }
    Config config = client.getConfiguration();
    String authority =
        config.getCaCertFile() != null && !config.getCaCertFile().isBlank()
            ? "the certificate authority in " + config.getCaCertFile()
            : config.getCaCertData() != null && !config.getCaCertData().isBlank()
                ? "the kubeconfig's certificate-authority-data"
                : "any certificate authority the JVM trusts (none was given)";
    return "the API server "
        + config.getMasterUrl()
        + " is not trusted: its TLS certificate is not signed by "
        + authority
        + ", or not issued for that address ("
        + tls.get().getMessage()
        + ")";
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
  public void prepareForEvents() {
    long start = System.nanoTime();
    WatchEventWarmUp.run(client.getKubernetesSerialization(), nodeName);
    LOG.debug("Watch events prepared in {} ms", (System.nanoTime() - start) / 1_000_000);
  }

  @Override
  public boolean nodeEligible() {
    return tracker.nodeEligible();
  }

  @Override
  public ChangeCounts changeCounts() {
    return tracker.changeCounts();
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
    return skipReason(object).isPresent();
  }

  /** Why an object is left out by the informers' label selector (the same two labels), if it is. */
  static Optional<String> skipReason(HasMetadata object) {
    Map<String, String> labels =
        object.getMetadata() == null ? null : object.getMetadata().getLabels();
    if (labels == null) {
      return Optional.empty();
    }
    if (labels.containsKey(SERVICE_PROXY_NAME_LABEL)) {
      return Optional.of(
          "label "
              + SERVICE_PROXY_NAME_LABEL
              + "="
              + labels.get(SERVICE_PROXY_NAME_LABEL)
              + ": another service proxy serves it (kipvs does not watch it)");
    }
    if (labels.containsKey(HEADLESS_LABEL)) {
      return Optional.of(
          "label " + HEADLESS_LABEL + ": headless, nothing to proxy (kipvs does not watch it)");
    }
    return Optional.empty();
  }

  /**
   * As the tracker has the service; for one it never received, asks the API server whether it
   * exists and why the informers left it out.
   */
  @Override
  public Optional<ServiceExplanation> explain(ServiceName service) {
    Optional<ServiceExplanation> known = tracker.explain(service);
    if (known.isPresent()) {
      return known;
    }
    // A list by name, not a get: kipvs's ClusterRole grants services list and watch only.
    Service object =
        client
            .services()
            .inNamespace(service.namespace())
            .withField("metadata.name", service.name())
            .list()
            .getItems()
            .stream()
            .findFirst()
            .orElse(null);
    if (object == null) {
      return Optional.empty();
    }
    String reason =
        skipReason(object).orElse("not received by kipvs's informer yet (created a moment ago?)");
    return Optional.of(skippedService(service, reason));
  }

  /**
   * Every service the tracker holds, and those the informers' label selector leaves out (one list
   * request per label).
   */
  @Override
  public List<ServiceExplanation> explainAll() {
    java.util.TreeMap<ServiceName, ServiceExplanation> all = new java.util.TreeMap<>();
    for (ServiceName name : tracker.serviceNames()) {
      tracker.explain(name).ifPresent(e -> all.put(name, e));
    }
    for (String label : List.of(SERVICE_PROXY_NAME_LABEL, HEADLESS_LABEL)) {
      for (Service object : client.services().inAnyNamespace().withLabel(label).list().getItems()) {
        Optional<ServiceName> name = ServiceTranslation.nameOf(object);
        Optional<String> reason = skipReason(object);
        if (name.isPresent() && reason.isPresent() && !all.containsKey(name.get())) {
          all.put(name.get(), skippedService(name.get(), reason.get()));
        }
      }
    }
    return List.copyOf(all.values());
  }

  private ServiceExplanation skippedService(ServiceName service, String reason) {
    return new ServiceExplanation(
        service, Optional.of(reason), List.of(), 0, tracker.snapshot().nodeZone());
  }
}
