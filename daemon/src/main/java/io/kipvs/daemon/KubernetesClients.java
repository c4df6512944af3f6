package io.kipvs.daemon;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kipvs.daemon.config.ApiRateLimit;
import io.kipvs.daemon.config.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Builds the API client as kube-proxy does: from --kubeconfig (or clientConnection.kubeconfig),
 * else the in-cluster service account (or ~/.kube/config when run by hand); --master overrides the
 * server address; --kube-api-qps and --kube-api-burst limit the requests as client-go does.
 */
final class KubernetesClients {
  static final Duration LIST_TIMEOUT = Duration.ofSeconds(90);

  private KubernetesClients() {}

  static KubernetesClient create(
      Optional<String> kubeconfig, Optional<String> master, ApiRateLimit rateLimit) {
    return create(
        kubeconfig,
        master,
        rateLimit.limited()
            ? Optional.of(ApiRateLimiter.onSystemClock(rateLimit))
            : Optional.empty());
  }

  /** With this limiter holding every request, if any (tests give one on their own clock). */
  static KubernetesClient create(
      Optional<String> kubeconfig, Optional<String> master, Optional<ApiRateLimiter> limiter) {
    Config config;
    if (kubeconfig.isPresent()) {
      Path path = Path.of(kubeconfig.get());
      String text;
      try {
        text = Files.readString(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the kubeconfig " + path + ": " + e, e);
      }
      text = withServer(text, path, master);
      config = Config.fromKubeconfig(null, text, path.toString());
      tokenFile(text, config, path)
          .ifPresent(file -> config.setOauthTokenProvider(() -> read(file)));
    } else {
      config = Config.autoConfigure(null);
    }
    master.ifPresent(config::setMasterUrl);
    // fabric8 cuts a request off after 10 s by default; an informer's first list of 10,000
    // services can take longer on a busy node, and would then be retried for ever. client-go sets
    // no client-side limit: the API server ends a list after its --request-timeout (60 s).
    config.setRequestTimeout((int) LIST_TIMEOUT.toMillis());
    KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
    limiter.ifPresent(
        l ->
            builder.withHttpClientBuilderConsumer(
                http ->
                    http.addOrReplaceInterceptor(
                        RateLimitingInterceptor.NAME, new RateLimitingInterceptor(l))));
    return builder.build();
  }

  /**
   * A kubeconfig whose cluster names no server is complete with --master, as in client-go (the
   * master overrides the cluster's server, so kube-proxy never needs one there): fabric8 alone
   * fails on it, so the server is filled in from --master. Without either, the error says what is
   * missing, as client-go's "no server found for cluster".
   */
  private static String withServer(String text, Path path, Optional<String> master) {
    io.fabric8.kubernetes.api.model.Config parsed = KubeConfigUtils.parseConfigFromString(text);
    NamedContext current = KubeConfigUtils.getCurrentContext(parsed);
    if (current == null || current.getContext() == null) {
      return text;
    }
    Cluster cluster = KubeConfigUtils.getCluster(parsed, current.getContext());
    if (cluster == null || (cluster.getServer() != null && !cluster.getServer().isBlank())) {
      return text;
    }
    if (master.isEmpty()) {
      throw new UsageException(
          "the kubeconfig "
              + path
              + " names no server for its cluster \""
              + current.getContext().getCluster()
              + "\": give the API server's address with --master, or as server: in the"
              + " kubeconfig");
    }
    cluster.setServer(master.get());
    return new KubernetesSerialization().asYaml(parsed);
  }

  /**
   * The user's tokenFile, which kubeadm's kube-proxy kubeconfig uses (it points at the pod's
   * service account token) and which fabric8 does not read by itself. The file is read at each
   * request's authentication, so that rotated projected tokens are picked up.
   */
  private static Optional<Path> tokenFile(String text, Config config, Path kubeconfig) {
    if (config.getCurrentContext() == null || config.getCurrentContext().getContext() == null) {
      return Optional.empty();
    }
    AuthInfo user =
        KubeConfigUtils.getUserAuthInfo(
            KubeConfigUtils.parseConfigFromString(text), config.getCurrentContext().getContext());
    if (user == null
        || user.getTokenFile() == null
        || user.getTokenFile().isBlank()
        || (user.getToken() != null && !user.getToken().isBlank())) {
      return Optional.empty();
    }
    Path file = Path.of(user.getTokenFile());
    Path parent = kubeconfig.toAbsolutePath().getParent();
    return Optional.of(file.isAbsolute() || parent == null ? file : parent.resolve(file));
  }

  private static String read(Path tokenFile) {
    try {
      return Files.readString(tokenFile).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + tokenFile + ": " + e, e);
    }
  }
}
