package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The desired state of this node, fed object by object (by the informers, or directly by tests and
 * benchmarks), and the services changed since changes were last taken.
 *
 * <p>Events only parse the object and mark its service; the service's ports are re-assembled when a
 * snapshot is next asked for, so a burst of events on one service costs one assembly. Events that
 * change nothing kipvs uses are not changes.
 */
final class ClusterStateTracker {
  static final String TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

  private final String nodeName;
  private final ServiceTranslation serviceTranslation;
  private final SliceTranslation sliceTranslation;
  private final Clock clock;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private final Map<ServiceName, List<ServicePort>> servicePorts = new HashMap<>();
  // Why a service known here has no ports (only for those), for kipvs explain.
  private final Map<ServiceName, String> skipReasons = new HashMap<>();
  private final Map<ServiceName, Map<String, ParsedSlice>> slicesByService = new HashMap<>();
  private final Map<String, ServiceName> serviceOfSlice = new HashMap<>();
  private Map<String, String> nodeLabels = Map.of();
  private boolean nodeKnown;
  private PMap<ServiceName, List<ServicePort>> assembled = HashTreePMap.empty();
  private int portCount;
  private Set<ServiceName> dirty = new HashSet<>();
  private boolean allDirty;
  private PersistentSnapshot snapshot;
  private Set<ServiceName> changed = new HashSet<>();
  private Map<ServiceName, Instant> triggerTimes = new HashMap<>();
  private boolean nodeChanged;
  // When the earliest change not yet taken was recorded; null when there is none.
  private Instant firstReceived;
  // As kube-proxy's change trackers count them (ChangeCounts).
  private long serviceEvents;
  private long sliceEvents;
  private Set<ServiceName> servicesPending = new HashSet<>();
  private int sliceChangesPending;
  private volatile boolean nodeEligible = true;

  ClusterStateTracker(String nodeName, BadInputReporter reporter, Clock clock) {
    this.nodeName = nodeName;
    this.serviceTranslation = new ServiceTranslation(reporter);
    this.sliceTranslation = new SliceTranslation(nodeName, reporter);
    this.clock = clock;
  }

  void addChangeListener(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  void upsertService(Service service) {
    Optional<ServiceName> name = ServiceTranslation.nameOf(service);
    ServiceTranslation.Translated translated = serviceTranslation.translateExplained(service);
    List<ServicePort> ports = translated.ports();
    if (name.isEmpty()) {
      return;
    }
    boolean recorded;
    synchronized (this) {
      serviceEvents++;
      if (translated.skipped().isPresent()) {
        skipReasons.put(name.get(), translated.skipped().get());
      } else {
        skipReasons.remove(name.get());
      }
      List<ServicePort> previous = servicePorts.put(name.get(), ports);
      recorded = !ports.equals(previous);
      if (recorded) {
        markChanged(name.get(), clock.instant());
        servicesPending.add(name.get());
      }
    }
    notifyIf(recorded);
  }

  void deleteService(Service service) {
    Optional<ServiceName> name = ServiceTranslation.nameOf(service);
    if (name.isEmpty()) {
      return;
    }
    boolean recorded;
    synchronized (this) {
      serviceEvents++;
      skipReasons.remove(name.get());
      recorded = servicePorts.remove(name.get()) != null;
      if (recorded) {
        markChanged(name.get(), clock.instant());
        servicesPending.add(name.get());
      }
    }
    notifyIf(recorded);
  }

  void upsertSlice(EndpointSlice slice) {
    Optional<String> key = sliceKey(slice);
    if (key.isEmpty()) {
      return;
    }
    Optional<ParsedSlice> parsed = sliceTranslation.translate(slice);
    if (parsed.isEmpty()) {
      removeSlice(key.get());
      return;
    }
    Instant trigger = triggerTime(slice).orElseGet(clock::instant);
    boolean recorded = false;
    synchronized (this) {
      sliceEvents++;
      ServiceName service = parsed.get().service();
      ServiceName before = serviceOfSlice.put(key.get(), service);
      if (before != null && !before.equals(service)) {
        // The slice now belongs to another service: the old one loses its endpoints.
        dropSlice(before, key.get());
        markChanged(before, trigger);
        recorded = true;
      }
      ParsedSlice previous =
          slicesByService
              .computeIfAbsent(service, s -> new HashMap<>())
              .put(key.get(), parsed.get());
      if (!parsed.get().equals(previous)) {
        markChanged(service, trigger);
        recorded = true;
      }
      if (recorded) {
        sliceChangesPending++;
      }
    }
    notifyIf(recorded);
  }

  void deleteSlice(EndpointSlice slice) {
    sliceKey(slice).ifPresent(this::removeSlice);
  }

  void upsertNode(Node node) {
    if (node.getMetadata() == null || !nodeName.equals(node.getMetadata().getName())) {
      return;
    }
    Map<String, String> labels =
        node.getMetadata().getLabels() == null
            ? Map.of()
            : Map.copyOf(node.getMetadata().getLabels());
    nodeEligible = NodeEligibility.eligible(node);
    setNodeLabels(labels);
  }

  /**
   * Whether the Node as last seen may take load-balancer traffic. A deleted Node keeps the state
   * last seen: the store hands over a stand-in without its fields.
   */
  boolean nodeEligible() {
    return nodeEligible;
  }

  synchronized ChangeCounts changeCounts() {
    return new ChangeCounts(
        serviceEvents, sliceEvents, servicesPending.size(), sliceChangesPending);
  }

  void deleteNode(Node node) {
    if (node.getMetadata() != null && nodeName.equals(node.getMetadata().getName())) {
      setNodeLabels(Map.of());
    }
  }

  /** The current state; assembles the services marked since the previous snapshot. */
  synchronized ClusterSnapshot snapshot() {
    if (snapshot == null || allDirty || !dirty.isEmpty()) {
      assembleDirty();
      snapshot = new PersistentSnapshot(assembled, portCount, nodeLabels);
    }
    return snapshot;
  }

  /**
   * One service as the sync sees it, with the endpoints left out and why, computed now by the same
   * code as the snapshot's; empty when no such service was received (or it was deleted).
   */
  synchronized Optional<ServiceExplanation> explain(ServiceName service) {
    List<ServicePort> templates = servicePorts.get(service);
    if (templates == null) {
      return Optional.empty();
    }
    Map<String, ParsedSlice> slices = slicesByService.getOrDefault(service, Map.of());
    Optional<String> zone = zone();
    return Optional.of(
        new ServiceExplanation(
            service,
            Optional.ofNullable(skipReasons.get(service)),
            ServicePortAssembly.explain(templates, slices.values(), nodeName, zone),
            slices.size(),
            zone));
  }

  /** Every service received, those without ports included. */
  synchronized List<ServiceName> serviceNames() {
    return List.copyOf(new java.util.TreeSet<>(servicePorts.keySet()));
  }

  synchronized ClusterChanges takeChanges() {
    ClusterSnapshot current = snapshot();
    ClusterChanges changes =
        new ClusterChanges(
            current, changed, nodeChanged, triggerTimes, Optional.ofNullable(firstReceived));
    firstReceived = null;
    changed = new HashSet<>();
    triggerTimes = new HashMap<>();
    nodeChanged = false;
    servicesPending = new HashSet<>();
    sliceChangesPending = 0;
    return changes;
  }

  private void removeSlice(String key) {
    boolean recorded = false;
    synchronized (this) {
      sliceEvents++;
      ServiceName service = serviceOfSlice.remove(key);
      if (service != null) {
        dropSlice(service, key);
        markChanged(service, clock.instant());
        sliceChangesPending++;
        recorded = true;
      }
    }
    notifyIf(recorded);
  }

  private void dropSlice(ServiceName service, String key) {
    Map<String, ParsedSlice> slices = slicesByService.get(service);
    if (slices != null) {
      slices.remove(key);
      if (slices.isEmpty()) {
        slicesByService.remove(service);
      }
    }
  }

  private void setNodeLabels(Map<String, String> labels) {
    boolean recorded;
    synchronized (this) {
      recorded = !nodeKnown || !labels.equals(nodeLabels);
      if (recorded) {
        String zoneBefore = nodeLabels.get(PersistentSnapshot.ZONE_LABEL);
        nodeLabels = labels;
        nodeKnown = true;
        nodeChanged = true;
        received();
        snapshot = null;
        if (!Objects.equals(zoneBefore, labels.get(PersistentSnapshot.ZONE_LABEL))) {
          allDirty = true; // topology hints are read against the zone
        }
      }
    }
    notifyIf(recorded);
  }

  private void markChanged(ServiceName service, Instant trigger) {
    received();
    dirty.add(service);
    changed.add(service);
    triggerTimes.merge(service, trigger, (a, b) -> a.isBefore(b) ? a : b);
  }

  private void received() {
    if (firstReceived == null) {
      firstReceived = clock.instant();
    }
  }

  private void assembleDirty() {
    Set<ServiceName> todo;
    if (allDirty) {
      todo = new HashSet<>(servicePorts.keySet());
      todo.addAll(assembled.keySet());
    } else {
      todo = dirty;
    }
    Optional<String> zone = zone();
    for (ServiceName service : todo) {
      List<ServicePort> templates = servicePorts.getOrDefault(service, List.of());
      Map<String, ParsedSlice> slices = slicesByService.getOrDefault(service, Map.of());
      List<ServicePort> ports =
          ServicePortAssembly.assemble(templates, slices.values(), nodeName, zone);
      List<ServicePort> before = assembled.get(service);
      portCount -= before == null ? 0 : before.size();
      if (ports.isEmpty()) {
        assembled = assembled.minus(service);
      } else {
        assembled = assembled.plus(service, ports);
        portCount += ports.size();
      }
    }
    // A fresh set: clear() walks the whole table, which stays as large as the biggest burst.
    dirty = new HashSet<>();
    allDirty = false;
  }

  private Optional<String> zone() {
    return Optional.ofNullable(nodeLabels.get(PersistentSnapshot.ZONE_LABEL))
        .filter(z -> !z.isEmpty());
  }

  private void notifyIf(boolean recorded) {
    if (recorded) {
      for (Runnable listener : listeners) {
        listener.run();
      }
    }
  }

  private static Optional<String> sliceKey(HasMetadata object) {
    if (object.getMetadata() == null
        || object.getMetadata().getNamespace() == null
        || object.getMetadata().getName() == null) {
      return Optional.empty();
    }
    return Optional.of(object.getMetadata().getNamespace() + "/" + object.getMetadata().getName());
  }

  private static Optional<Instant> triggerTime(EndpointSlice slice) {
    Map<String, String> annotations = slice.getMetadata().getAnnotations();
    String text = annotations == null ? null : annotations.get(TRIGGER_TIME_ANNOTATION);
    if (text == null) {
      return Optional.empty();
    }
    return parseTriggerTime(text);
  }

  /**
   * An RFC 3339 time with its offset, as the EndpointSlice controller writes it. Through the
   * formatter's plain {@code parse}, not {@code OffsetDateTime.parse}: that one passes the method
   * reference {@code OffsetDateTime::from}, whose lambda the JVM makes at its first use, and in a
   * node that took some 30 ms of the first endpoint change after a start (BENCHMARKS.md).
   */
  static Optional<Instant> parseTriggerTime(String text) {
    try {
      return Optional.of(Instant.from(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text)));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }
}
