package io.kipvs.daemon;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;

/** Holds each request to the API server (lists, watches, retries) until the limiter lets it go. */
final class RateLimitingInterceptor implements Interceptor {
  static final String NAME = "kipvs-api-rate-limit";

  private final ApiRateLimiter limiter;

  RateLimitingInterceptor(ApiRateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    try {
      limiter.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException(
          "interrupted while waiting for the API rate limit (--kube-api-qps)", e);
    }
  }
}
