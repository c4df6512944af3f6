package io.kipvs.daemon.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * kube-proxy's feature gates (--feature-gates, featureGates). kipvs has no switches of its own: the
 * gates that change what kube-proxy's IPVS mode does are features kipvs always has (turning one off
 * is a usage error), the gates of kube-proxy's other modes and of Windows have no effect in IPVS
 * mode upstream either (an info line), and any other name is not a gate kube-proxy reads (a
 * warning: kube-proxy itself rejects names it does not know, and kipvs cannot list every gate of
 * every Kubernetes version).
 */
final class FeatureGates {
  /** Gates whose feature kipvs always has, with what that feature is. */
  private static final Map<String, String> ALWAYS_ON =
      Map.of(
          "TopologyAwareHints", "follows the endpoints' zone hints",
          "ServiceTrafficDistribution", "honours spec.trafficDistribution through the hints",
          "PreferSameTrafficDistribution", "follows the endpoints' node hints",
          "LoadBalancerIPMode", "skips load-balancer ingress IPs whose ipMode is Proxy",
          "ProxyTerminatingEndpoints", "falls back to serving terminating endpoints");

  /** Gates that only kube-proxy's other modes, Windows or logging options read. */
  private static final Map<String, String> OTHER_MODES =
      Map.of(
          "NFTablesProxyMode", "the nftables mode",
          "MinimizeIPTablesRestore", "the iptables mode",
          "MultiCIDRServiceAllocator", "the nftables mode (ServiceCIDRs)",
          "WinDSR", "the Windows kernelspace mode",
          "WinOverlay", "the Windows kernelspace mode",
          "LoggingAlphaOptions", "the split-stream and info-buffer logging options",
          "LoggingBetaOptions", "the split-stream and info-buffer logging options",
          "ContextualLogging", "Go's contextual logging");

  private FeatureGates() {}

  /** Parses "A=true,B=false" as kube-proxy's --feature-gates. */
  static Map<String, Boolean> parse(String source, String text) {
    Map<String, Boolean> gates = new LinkedHashMap<>();
    for (String item : Values.splitList(text)) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw Values.invalid(source, text, "missing bool value for " + item + " (Name=true)");
      }
      String name = item.substring(0, eq).strip();
      gates.put(name, Values.bool(source, item.substring(eq + 1)));
    }
    return gates;
  }

  static void apply(ConfigBuilder b, String source, Map<String, Boolean> gates) {
    gates.forEach(
        (name, enabled) -> {
          String what = ALWAYS_ON.get(name);
          if (what != null) {
            if (!enabled) {
              throw Values.invalid(
                  source,
                  name + "=false",
                  "kipvs always " + what + "; it cannot turn " + name + " off");
            }
            return;
          }
          String mode = OTHER_MODES.get(name);
          if (mode != null) {
            b.note(source + " " + name, "only " + mode + " reads it; no effect in IPVS mode");
          } else if (name.equals("AllAlpha") || name.equals("AllBeta")) {
            if (enabled) {
              b.warn(
                  source + " " + name,
                  "kipvs has no alpha or beta switches; its behaviour is the one described in"
                      + " its README");
            }
          } else {
            b.warn(
                source + " " + name,
                "not a gate kube-proxy's IPVS mode reads; kube-proxy would reject a name it does"
                    + " not know, kipvs goes on without it");
          }
        });
  }
}
