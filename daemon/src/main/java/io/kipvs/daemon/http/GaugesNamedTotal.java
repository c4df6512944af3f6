package io.kipvs.daemon.http;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Gives the series kube-proxy exposes as gauges named {@code ..._total} their upstream type. The
 * Prometheus client refuses a gauge whose name ends in {@code _total}, so such a series is
 * registered as a counter without the suffix (which the text formats print with it); this changes
 * its TYPE line (and in OpenMetrics its family name) in a scrape's body, so that tools that read
 * the type see what kube-proxy sends. Protobuf scrapes keep the counter type.
 */
final class GaugesNamedTotal {
  /** kube-proxy's SyncProxyRulesNoLocalEndpointsTotal: a GaugeVec by traffic_policy. */
  static final Set<String> NAMES = Set.of("kubeproxy_sync_proxy_rules_no_local_endpoints");

  private GaugesNamedTotal() {}

  /** Whether a body of this content type is one this class rewrites. */
  static boolean rewrites(String contentType) {
    return contentType != null
        && (contentType.startsWith("text/plain")
            || contentType.startsWith("application/openmetrics-text"));
  }

  /** The body with the TYPE (and in OpenMetrics, HELP) lines of these series changed. */
  static byte[] rewrite(byte[] body, String contentType) {
    boolean openMetrics = contentType.startsWith("application/openmetrics-text");
    String text = new String(body, StandardCharsets.UTF_8);
    for (String name : NAMES) {
      if (openMetrics) {
        // The family is named without the suffix there; the samples already carry it.
        text =
            text.replace("# TYPE " + name + " counter\n", "# TYPE " + name + "_total gauge\n")
                .replace("# HELP " + name + " ", "# HELP " + name + "_total ");
      } else {
        text =
            text.replace(
                "# TYPE " + name + "_total counter\n", "# TYPE " + name + "_total gauge\n");
      }
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
