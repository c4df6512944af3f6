package io.kipvs.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;

/** Placeholder until the informer implementation lands (issue 4). */
final class InformerClusterWatch {
  private InformerClusterWatch() {}

  static ClusterWatch create(KubernetesClient client, String nodeName) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
