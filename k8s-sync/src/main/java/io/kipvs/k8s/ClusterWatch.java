package io.kipvs.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Watches Services, EndpointSlices and this node's Node, and keeps the desired state of this node
 * as immutable snapshots plus the set of services changed since changes were last taken.
 *
 * <p>Changes accumulate until {@link #takeChanges()}: a burst of events between two takes is one
 * set of changed services (coalescing). Listeners are called on an informer thread and must only
 * signal (wake a loop), never do the work there.
 */
public interface ClusterWatch extends AutoCloseable {

  /** A watch for the node of this name through this client; {@link #start()} starts it. */
  static ClusterWatch create(KubernetesClient client, String nodeName) {
    return InformerClusterWatch.create(client, nodeName);
  }

  /** Starts the informers. Returns at once. */
  void start();

  /** Whether every informer has listed its objects at least once. */
  boolean hasSynced();

  /** Waits until {@link #hasSynced()} or the timeout; returns whether synced. */
  boolean awaitSynced(Duration timeout) throws InterruptedException;

  /** Registers a callback run after each change that {@link #takeChanges()} would report. */
  void addChangeListener(Runnable listener);

  /** The changes since the previous take, with the current snapshot; resets the change set. */
  ClusterChanges takeChanges();

  /**
   * Runs once the code that the first watch event after the list would otherwise run for the first
   * time, so that the first change after the start does not wait for it. For when the process is
   * idle after its first sync.
   */
  void prepareForEvents();

  /**
   * Whether this node's Node may take load-balancer traffic ({@link NodeEligibility}): true until
   * the Node is seen, and after it is deleted the last state seen stays, as kube-proxy's /healthz
   * has it.
   */
  default boolean nodeEligible() {
    return true;
  }

  /** The change counters for kube-proxy's change metrics. */
  default ChangeCounts changeCounts() {
    return ChangeCounts.NONE;
  }

  /**
   * One service as this node's sync sees it, with the endpoints it leaves out and why, or why the
   * whole service is skipped; empty when the cluster has no such service. For {@code kipvs
   * explain}: may ask the API server about a service the informers leave out.
   */
  default Optional<ServiceExplanation> explain(ServiceName service) {
    return Optional.empty();
  }

  /** {@link #explain} for every service, sorted by name. */
  default List<ServiceExplanation> explainAll() {
    return List.of();
  }

  /** The current full snapshot, without touching the change set. */
  ClusterSnapshot snapshot();

  @Override
  void close();
}
