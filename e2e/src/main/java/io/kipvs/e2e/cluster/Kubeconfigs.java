package io.kipvs.e2e.cluster;

import java.util.Optional;

/**
 * The kubeconfig kubeadm writes for kube-proxy (its ConfigMap's kubeconfig.conf), as tests need it.
 */
public final class Kubeconfigs {
  private Kubeconfigs() {}

  /**
   * kubeadm's shape: one cluster, context and user named "default".
   *
   * @param certificateAuthority the CA file, for an https server
   * @param tokenFile the service account token file the user reads at each request
   */
  public static String kubeadm(
      String server, Optional<String> certificateAuthority, Optional<String> tokenFile) {
    return "apiVersion: v1\n"
        + "kind: Config\n"
        + "clusters:\n"
        + "- cluster:\n"
        + certificateAuthority.map(ca -> "    certificate-authority: " + ca + "\n").orElse("")
        + "    server: "
        + server
        + "\n"
        + "  name: default\n"
        + "contexts:\n"
        + "- context:\n"
        + "    cluster: default\n"
        + "    namespace: default\n"
        + "    user: default\n"
        + "  name: default\n"
        + "current-context: default\n"
        + "users:\n"
        + "- name: default\n"
        + tokenFile.map(f -> "  user:\n    tokenFile: " + f + "\n").orElse("  user: {}\n");
  }
}
