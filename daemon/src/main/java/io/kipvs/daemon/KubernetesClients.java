package io.kipvs.daemon;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.kipvs.daemon.config.ApiRateLimit;
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
