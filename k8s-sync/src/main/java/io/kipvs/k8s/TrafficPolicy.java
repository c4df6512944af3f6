package io.kipvs.k8s;

/** externalTrafficPolicy / internalTrafficPolicy. */
public enum TrafficPolicy {
  CLUSTER,
  LOCAL
}
