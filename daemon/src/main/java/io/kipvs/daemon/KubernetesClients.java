package io.kipvs.daemon;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Builds the API client as kube-proxy does: from --kubeconfig (or clientConnection.kubeconfig),
 * else the in-cluster service account (or ~/.kube/config when run by hand); --master overrides the
 * server address.
 */
final class KubernetesClients {
  private KubernetesClients() {}

  static KubernetesClient create(Optional<String> kubeconfig, Optional<String> master) {
    Config config;
    if (kubeconfig.isPresent()) {
      Path path = Path.of(kubeconfig.get());
      String text;
      try {
        text = Files.readString(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the kubeconfig " + path + ": " + e, e);
      }
      config = Config.fromKubeconfig(null, text, path.toString());
    } else {
      config = Config.autoConfigure(null);
    }
    master.ifPresent(config::setMasterUrl);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
