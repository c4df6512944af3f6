package io.kipvs.daemon.config;

/**
 * Client-side limit of requests to the API server, as client-go's token bucket: {@code burst}
 * requests at once, refilled at {@code qps} per second (--kube-api-qps, --kube-api-burst).
 *
 * @param qps requests per second; not positive means no limit
 * @param burst bucket size, at least 1 when limited
 */
public record ApiRateLimit(double qps, int burst) {
  /** kube-proxy's defaults (client-go's DefaultQPS and DefaultBurst). */
  public static final ApiRateLimit DEFAULT = new ApiRateLimit(5, 10);

  public boolean limited() {
    return qps > 0;
  }
}
