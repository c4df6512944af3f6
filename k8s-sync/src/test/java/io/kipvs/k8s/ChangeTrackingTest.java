package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.addresses;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.simpleService;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Change sets, coalescing, trigger times and snapshot immutability, without a server. */
class ChangeTrackingTest {
  private final Fixtures.ManualClock clock = new Fixtures.ManualClock();
  private final Fixtures.CollectingReporter reporter = new Fixtures.CollectingReporter();
  private final ClusterStateTracker tracker = new ClusterStateTracker(NODE, reporter, clock);
  private final AtomicInteger signals = new AtomicInteger();

  private static final ServiceName A = new ServiceName("ns", "a");
  private static final ServiceName B = new ServiceName("ns", "b");
  private static final ServiceName C = new ServiceName("ns", "c");

  ChangeTrackingTest() {
    tracker.addChangeListener(signals::incrementAndGet);
  }

  @Test
  void takeChangesNamesExactlyTheServicesTouchedAndResets() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    tracker.upsertService(simpleService("ns", "c", "10.96.0.3"));
    ClusterChanges first = tracker.takeChanges();
    assertThat(first.changedServices()).containsExactlyInAnyOrder(A, B, C);
    assertThat(first.snapshot().serviceCount()).isEqualTo(3);
    assertThat(first.nodeChanged()).isFalse();

    assertThat(tracker.takeChanges().isEmpty()).isTrue();

    tracker.upsertSlice(slice("ns", "b-1", "b", ep("10.0.0.1/R")).build());
    tracker.upsertSlice(slice("ns", "b-1", "b", ep("10.0.0.1/R"), ep("10.0.0.2/R")).build());
    tracker.upsertSlice(slice("ns", "b-2", "b", ep("10.0.0.3/R")).build());
    ClusterChanges second = tracker.takeChanges();
    assertThat(second.changedServices()).containsExactly(B);
    assertThat(addresses(second.snapshot().portsOf(B).get(0).clusterEndpoints()))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(signals.get()).isEqualTo(6);
  }

  @Test
  void changesTellWhenTheEarliestOfThemWasReceived() {
    assertThat(tracker.takeChanges().firstReceived()).isEmpty();
    Instant first = clock.instant();
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    clock.advance(Duration.ofMillis(40));
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    assertThat(tracker.takeChanges().firstReceived()).contains(first);

    clock.advance(Duration.ofMillis(10));
    // An update that changes nothing used is no change, and starts no wait.
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    clock.advance(Duration.ofMillis(10));
    Instant node = clock.instant();
    tracker.upsertNode(node(NODE, "zone-b"));
    assertThat(tracker.takeChanges().firstReceived()).contains(node);
    assertThat(tracker.takeChanges().firstReceived()).isEmpty();
  }

  @Test
  void updatesThatChangeNothingUsedAreNotChanges() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.1/R")).build());
    tracker.takeChanges();
    int before = signals.get();
    var relabelled = simpleService("ns", "a", "10.96.0.1");
    relabelled.getMetadata().setLabels(Map.of("team", "x"));
    relabelled.getMetadata().setResourceVersion("99");
    tracker.upsertService(relabelled);
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.1/R")).build());
    assertThat(tracker.takeChanges().isEmpty()).isTrue();
    assertThat(signals.get()).isEqualTo(before);
  }

  @Test
  void deletionsAreChanges() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.1/R")).build());
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    tracker.takeChanges();
    tracker.deleteSlice(slice("ns", "a-1", "a").build());
    assertThat(tracker.takeChanges().changedServices()).containsExactly(A);
    assertThat(tracker.snapshot().portsOf(A).get(0).clusterEndpoints()).isEmpty();
    tracker.deleteService(simpleService("ns", "a", "10.96.0.1"));
    ClusterChanges changes = tracker.takeChanges();
    assertThat(changes.changedServices()).containsExactly(A);
    assertThat(changes.snapshot().portsOf(A)).isEmpty();
    assertThat(changes.snapshot().serviceCount()).isEqualTo(1);
    assertThat(changes.snapshot().ports()).hasSize(1);
    // Deleting what is not there is no change.
    tracker.deleteService(simpleService("ns", "zzz", "10.96.0.9"));
    assertThat(tracker.takeChanges().isEmpty()).isTrue();
  }

  @Test
  void sliceMovingToAnotherServiceChangesBoth() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    tracker.upsertSlice(slice("ns", "s-1", "a", ep("10.0.0.1/R")).build());
    tracker.takeChanges();
    tracker.upsertSlice(slice("ns", "s-1", "b", ep("10.0.0.1/R")).build());
    ClusterChanges changes = tracker.takeChanges();
    assertThat(changes.changedServices()).containsExactlyInAnyOrder(A, B);
    assertThat(changes.snapshot().portsOf(A).get(0).clusterEndpoints()).isEmpty();
    assertThat(changes.snapshot().portsOf(B).get(0).clusterEndpoints()).hasSize(1);
  }

  @Test
  void oldSnapshotsNeverChange() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.1/R")).build());
    ClusterSnapshot before = tracker.takeChanges().snapshot();
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.2/R")).build());
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    ClusterSnapshot after = tracker.takeChanges().snapshot();
    assertThat(addresses(before.portsOf(A).get(0).clusterEndpoints()))
        .containsExactly("10.0.0.1:8080");
    assertThat(before.serviceCount()).isEqualTo(1);
    assertThat(addresses(after.portsOf(A).get(0).clusterEndpoints()))
        .containsExactly("10.0.0.2:8080");
    assertThat(after.serviceCount()).isEqualTo(2);
    assertThat(tracker.snapshot()).isSameAs(after);
  }

  @Test
  void nodeZoneChangeSetsNodeChangedAndReselectsByHints() {
    Endpoint inA =
        new EndpointBuilder(ep("10.0.0.1/R")).withNewHints().addNewForZone("a").endHints().build();
    Endpoint inB =
        new EndpointBuilder(ep("10.0.0.2/R")).withNewHints().addNewForZone("b").endHints().build();
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertSlice(slice("ns", "a-1", "a", inA, inB).build());
    tracker.upsertNode(node(NODE, "a"));
    ClusterChanges first = tracker.takeChanges();
    assertThat(first.nodeChanged()).isTrue();
    assertThat(first.snapshot().nodeZone()).contains("a");
    assertThat(addresses(first.snapshot().portsOf(A).get(0).clusterEndpoints()))
        .containsExactly("10.0.0.1:8080");

    tracker.upsertNode(node("some-other-node", "b"));
    tracker.upsertNode(node(NODE, "a"));
    assertThat(tracker.takeChanges().isEmpty()).isTrue();

    tracker.upsertNode(node(NODE, "b"));
    ClusterChanges moved = tracker.takeChanges();
    assertThat(moved.nodeChanged()).isTrue();
    assertThat(moved.changedServices()).isEmpty();
    assertThat(moved.snapshot().nodeLabels()).containsEntry(PersistentSnapshot.ZONE_LABEL, "b");
    assertThat(addresses(moved.snapshot().portsOf(A).get(0).clusterEndpoints()))
        .containsExactly("10.0.0.2:8080");
  }

  @Test
  void triggerTimeIsTheEarliestAnnotationElseTheArrivalTime() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    tracker.takeChanges();
    clock.advance(Duration.ofSeconds(30));
    tracker.upsertSlice(
        slice("ns", "a-1", "a", ep("10.0.0.1/R"))
            .editMetadata()
            .addToAnnotations(ClusterStateTracker.TRIGGER_TIME_ANNOTATION, "2026-01-01T00:00:10Z")
            .endMetadata()
            .build());
    tracker.upsertSlice(
        slice("ns", "a-2", "a", ep("10.0.0.2/R"))
            .editMetadata()
            .addToAnnotations(ClusterStateTracker.TRIGGER_TIME_ANNOTATION, "2026-01-01T00:00:05Z")
            .endMetadata()
            .build());
    tracker.upsertSlice(slice("ns", "b-1", "b", ep("10.0.0.3/R")).build());
    ClusterChanges changes = tracker.takeChanges();
    assertThat(changes.triggerTimes())
        .isEqualTo(
            Map.of(
                A, Instant.parse("2026-01-01T00:00:05Z"),
                B, Instant.parse("2026-01-01T00:00:30Z")));
  }

  @Test
  void triggerTimesAreReadWithTheirOffsetAndFraction() {
    assertThat(ClusterStateTracker.parseTriggerTime("2026-01-01T00:00:10Z"))
        .contains(Instant.parse("2026-01-01T00:00:10Z"));
    assertThat(ClusterStateTracker.parseTriggerTime("2026-01-01T02:00:10+02:00"))
        .contains(Instant.parse("2026-01-01T00:00:10Z"));
    assertThat(ClusterStateTracker.parseTriggerTime("2026-01-01T00:00:10.123456Z"))
        .contains(Instant.parse("2026-01-01T00:00:10.123456Z"));
    assertThat(ClusterStateTracker.parseTriggerTime("2026-01-01T00:00:10")).isEmpty();
    assertThat(ClusterStateTracker.parseTriggerTime("2026-13-01T00:00:10Z")).isEmpty();
    assertThat(ClusterStateTracker.parseTriggerTime("yesterday")).isEmpty();
  }

  @Test
  void snapshotPortsCollectionIsComplete() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    ClusterSnapshot s = tracker.snapshot();
    List<ServicePort> all = List.copyOf(s.ports());
    assertThat(all).hasSize(2);
    assertThat(s.ports()).hasSize(2);
    assertThat(all).extracting(p -> p.name().service()).containsExactlyInAnyOrder(A, B);
  }
}
