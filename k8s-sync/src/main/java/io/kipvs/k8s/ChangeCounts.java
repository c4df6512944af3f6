package io.kipvs.k8s;

/**
 * The watch's change counters, as kube-proxy's change trackers count them for its metrics.
 *
 * @param serviceChanges every Service added, updated or deleted that kipvs proxies, since start
 * @param endpointChanges every EndpointSlice added, updated or deleted that kipvs proxies, since
 *     start
 * @param servicesPending the services changed by Service events since changes were last taken
 * @param endpointChangesPending the EndpointSlice events that changed something since changes were
 *     last taken
 */
public record ChangeCounts(
    long serviceChanges, long endpointChanges, int servicesPending, int endpointChangesPending) {
  public static final ChangeCounts NONE = new ChangeCounts(0, 0, 0, 0);
}
