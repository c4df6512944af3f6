package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;

/**
 * Whether a Node may take load-balancer traffic, as kube-proxy's /healthz judges it (KEP-3836): not
 * while it is being deleted (a deletionTimestamp) nor while the cluster autoscaler has tainted it
 * for removal, so that load balancers drain it before it goes.
 */
public final class NodeEligibility {
  /** The taint the cluster autoscaler puts on a node it is about to delete. */
  public static final String TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler";

  private NodeEligibility() {}

  /** Whether this Node is neither being deleted nor tainted for removal. */
  public static boolean eligible(Node node) {
    if (node.getMetadata() != null && node.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      for (Taint taint : node.getSpec().getTaints()) {
        if (TO_BE_DELETED_TAINT.equals(taint.getKey())) {
          return false;
        }
      }
    }
    return true;
  }
}
