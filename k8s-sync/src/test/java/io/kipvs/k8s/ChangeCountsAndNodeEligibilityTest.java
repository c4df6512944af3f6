package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static io.kipvs.k8s.Fixtures.ep;
import static io.kipvs.k8s.Fixtures.node;
import static io.kipvs.k8s.Fixtures.simpleService;
import static io.kipvs.k8s.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the change counters behind kube-proxy's change metrics (endpoint changes count
 * EndpointSlice events, service changes Service events), and the Node eligibility behind /healthz.
 */
class ChangeCountsAndNodeEligibilityTest {
  private final ClusterStateTracker tracker =
      new ClusterStateTracker(NODE, new Fixtures.CollectingReporter(), new Fixtures.ManualClock());

  @Test
  void endpointChangesCountSliceEventsAndServiceChangesServiceEvents() {
    tracker.upsertService(simpleService("ns", "a", "10.96.0.1"));
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.1/R")).build());
    tracker.upsertSlice(slice("ns", "a-1", "a", ep("10.0.0.1/R"), ep("10.0.0.2/R")).build());
    tracker.upsertSlice(slice("ns", "a-2", "a", ep("10.0.0.3/R")).build());
    // One service with three slice events: three endpoint changes, one service change.
    assertThat(tracker.changeCounts()).isEqualTo(new ChangeCounts(1, 3, 1, 3));

    tracker.takeChanges();
    assertThat(tracker.changeCounts()).isEqualTo(new ChangeCounts(1, 3, 0, 0));

    // A slice update that changes nothing used counts as seen, not as pending.
    tracker.upsertSlice(slice("ns", "a-2", "a", ep("10.0.0.3/R")).build());
    tracker.deleteSlice(slice("ns", "a-2", "a", ep("10.0.0.3/R")).build());
    tracker.upsertService(simpleService("ns", "b", "10.96.0.2"));
    tracker.upsertService(simpleService("ns", "b", "10.96.0.3"));
    assertThat(tracker.changeCounts()).isEqualTo(new ChangeCounts(3, 5, 1, 1));
  }

  @Test
  void aNodeBeingDeletedOrTaintedForRemovalIsNotEligible() {
    assertThat(tracker.nodeEligible()).as("before the Node is seen").isTrue();
    tracker.upsertNode(node(NODE, "zone-a"));
    assertThat(tracker.nodeEligible()).isTrue();

    tracker.upsertNode(
        new NodeBuilder(node(NODE, "zone-a"))
            .editSpec()
            .addNewTaint()
            .withKey("ToBeDeletedByClusterAutoscaler")
            .withValue("1700000000")
            .withEffect("NoSchedule")
            .endTaint()
            .endSpec()
            .build());
    assertThat(tracker.nodeEligible()).isFalse();

    tracker.upsertNode(node(NODE, "zone-a"));
    assertThat(tracker.nodeEligible()).isTrue();

    Node deleting =
        new NodeBuilder(node(NODE, "zone-a"))
            .editMetadata()
            .withDeletionTimestamp("2026-01-01T00:00:00Z")
            .endMetadata()
            .build();
    tracker.upsertNode(deleting);
    assertThat(tracker.nodeEligible()).isFalse();

    // Another taint does not count.
    tracker.upsertNode(
        new NodeBuilder(node(NODE, "zone-a"))
            .editSpec()
            .addNewTaint()
            .withKey("node.kubernetes.io/unschedulable")
            .withEffect("NoSchedule")
            .endTaint()
            .endSpec()
            .build());
    assertThat(tracker.nodeEligible()).isTrue();
  }
}
