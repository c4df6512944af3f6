package io.kipvs.k8s;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What changed since the previous call that took changes: the services touched (their desired state
 * may or may not differ) and the snapshot that includes them.
 *
 * @param snapshot the full state after the changes
 * @param changedServices the services whose ports or endpoints may have changed
 * @param nodeChanged whether this node's Node object changed (zone, labels), which can affect every
 *     service's endpoint selection
 * @param triggerTimes per changed service, the earliest trigger time of its changes (the
 *     EndpointSlice annotation endpoints.kubernetes.io/last-change-trigger-time where present), for
 *     the network programming duration metric
 * @param firstReceived when the watch handed over the earliest of these changes: from then to the
 *     start of the sync that takes them, they waited for it
 */
public record ClusterChanges(
    ClusterSnapshot snapshot,
    Set<ServiceName> changedServices,
    boolean nodeChanged,
    Map<ServiceName, Instant> triggerTimes,
    Optional<Instant> firstReceived) {
  public ClusterChanges {
    changedServices = Set.copyOf(changedServices);
    triggerTimes = Map.copyOf(triggerTimes);
  }

  public boolean isEmpty() {
    return changedServices.isEmpty() && !nodeChanged;
  }
}
