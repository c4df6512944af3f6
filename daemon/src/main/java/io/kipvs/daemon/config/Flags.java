package io.kipvs.daemon.config;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * kube-proxy's flags that kipvs implements, plus its own. A field is null when its flag was not
 * given, so that only explicit flags override the configuration file.
 */
@Command(
    name = "kipvs",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "kipvs: a Kubernetes node proxy in IPVS mode, a drop-in for kube-proxy --proxy-mode=ipvs.",
      "Takes kube-proxy's flags and KubeProxyConfiguration file; explicit flags override the file.",
      "Durations use Go syntax (30s, 1m0s, 1h30m). Exit codes: 0 done, 1 failure, 2 bad usage."
    })
final class Flags {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1).")
  String config;

  @Option(
      names = {"--mode", "--proxy-mode"},
      paramLabel = "MODE",
      description = "Proxy mode; only ipvs is supported (default ipvs).")
  String mode;

  @Option(
      names = "--ipvs-scheduler",
      paramLabel = "NAME",
      description =
          "IPVS scheduler: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos (default rr).")
  String ipvsScheduler;

  @Option(
      names = "--ipvs-sync-period",
      paramLabel = "DURATION",
      description = "Period of the full resync of IPVS rules, > 0 (default 30s).")
  String ipvsSyncPeriod;

  @Option(
      names = "--ipvs-min-sync-period",
      paramLabel = "DURATION",
      description = "Minimum interval between two syncs (default 0s).")
  String ipvsMinSyncPeriod;

  @Option(
      names = "--ipvs-strict-arp",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Set arp_ignore=1 and arp_announce=2 (default false).")
  String ipvsStrictArp;

  @Option(
      names = "--ipvs-exclude-cidrs",
      paramLabel = "CIDRS",
      description = "Comma-separated CIDRs whose virtual servers kipvs never touches.")
  String ipvsExcludeCidrs;

  @Option(
      names = "--ipvs-tcp-timeout",
      paramLabel = "DURATION",
      description = "IPVS TCP session timeout; 0 leaves the kernel's (default 0s).")
  String ipvsTcpTimeout;

  @Option(
      names = "--ipvs-tcpfin-timeout",
      paramLabel = "DURATION",
      description = "IPVS TCP timeout after FIN; 0 leaves the kernel's (default 0s).")
  String ipvsTcpFinTimeout;

  @Option(
      names = "--ipvs-udp-timeout",
      paramLabel = "DURATION",
      description = "IPVS UDP timeout; 0 leaves the kernel's (default 0s).")
  String ipvsUdpTimeout;

  @Option(
      names = "--ipvs-max-drain",
      paramLabel = "DURATION",
      description =
          "kipvs: longest a removed TCP real server drains at weight 0 before deletion"
              + " (default 15m0s).")
  String ipvsMaxDrain;

  @Option(
      names = "--ipvs-service-stats-metrics",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description =
          "kipvs: export each service port's IPVS connection, packet and byte counters on"
              + " /metrics, read from the kernel at each scrape (default false).")
  String ipvsServiceStatsMetrics;

  @Option(
      names = "--iptables-backend",
      paramLabel = "auto|legacy|nft",
      description = "kipvs: which iptables to run; auto follows the node's (default auto).")
  String iptablesBackend;

  @Option(
      names = "--masquerade-all",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "SNAT all traffic sent via service cluster IPs (default false).")
  String masqueradeAll;

  @Option(
      names = "--cluster-cidr",
      paramLabel = "CIDRS",
      description = "Pod CIDRs (comma-separated, one per family); traffic from outside is SNATed.")
  String clusterCidr;

  @Option(
      names = "--nodeport-addresses",
      paramLabel = "CIDRS",
      description = "Comma-separated CIDRs selecting node addresses for NodePorts (default all).")
  String nodePortAddresses;

  @Option(
      names = "--hostname-override",
      paramLabel = "NAME",
      description = "This node's name, instead of the host name.")
  String hostnameOverride;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "kubeconfig file; without it and --master, the in-cluster configuration.")
  String kubeconfig;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "API server address, overriding the kubeconfig's.")
  String master;

  @Option(
      names = "--healthz-bind-address",
      paramLabel = "IP[:PORT]",
      description = "Where /healthz and /livez are served (default 0.0.0.0:10256); empty disables.")
  String healthzBindAddress;

  @Option(
      names = "--metrics-bind-address",
      paramLabel = "IP[:PORT]",
      description = "Where /metrics is served (default 127.0.0.1:10249); empty disables.")
  String metricsBindAddress;

  @Option(
      names = "--debug-bind-address",
      paramLabel = "IP[:PORT]",
      description =
          "kipvs: loopback address of the debug endpoint 'kipvs explain' asks (default"
              + " 127.0.0.1:10265); empty disables.")
  String debugBindAddress;

  @Option(
      names = "--healthz-port",
      paramLabel = "PORT",
      hidden = true,
      description = "Deprecated: port of --healthz-bind-address; 0 disables.")
  String healthzPort;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      hidden = true,
      description = "Deprecated: port of --metrics-bind-address; 0 disables.")
  String metricsPort;

  @Option(
      names = "--conntrack-max-per-core",
      paramLabel = "N",
      description = "nf_conntrack_max per CPU core; 0 leaves the limit as is (default 32768).")
  String conntrackMaxPerCore;

  @Option(
      names = "--conntrack-min",
      paramLabel = "N",
      description = "Lower bound of nf_conntrack_max (default 131072).")
  String conntrackMin;

  @Option(
      names = "--conntrack-tcp-timeout-established",
      paramLabel = "DURATION",
      description =
          "Idle timeout of established TCP conntrack entries; 0 leaves it (default 24h0m0s).")
  String conntrackTcpTimeoutEstablished;

  @Option(
      names = "--conntrack-tcp-timeout-close-wait",
      paramLabel = "DURATION",
      description = "Timeout of CLOSE_WAIT conntrack entries; 0 leaves it (default 1h0m0s).")
  String conntrackTcpTimeoutCloseWait;

  @Option(
      names = "--conntrack-tcp-be-liberal",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Set nf_conntrack_tcp_be_liberal=1 (default false).")
  String conntrackTcpBeLiberal;

  @Option(
      names = "--conntrack-udp-timeout",
      paramLabel = "DURATION",
      description = "UDP conntrack timeout; 0 leaves it (default 0s).")
  String conntrackUdpTimeout;

  @Option(
      names = "--conntrack-udp-timeout-stream",
      paramLabel = "DURATION",
      description = "UDP stream conntrack timeout; 0 leaves it (default 0s).")
  String conntrackUdpTimeoutStream;

  @Option(
      names = "--iptables-masquerade-bit",
      paramLabel = "N",
      description = "fwmark bit for SNAT; kipvs supports only kube-proxy's default 14.")
  String iptablesMasqueradeBit;

  @Option(
      names = "--detect-local-mode",
      paramLabel = "MODE",
      description = "How local traffic is detected; kipvs supports ClusterCIDR only.")
  String detectLocalMode;

  @Option(
      names = "--cleanup",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Remove kipvs's IPVS services, kube-ipvs0, ipsets and chains, then exit 0.")
  String cleanup;

  @Option(
      names = "--init-only",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Apply the privileged node settings (conntrack) and exit 0.")
  String initOnly;

  @Option(
      names = "--oom-score-adj",
      paramLabel = "N",
      description = "oom_score_adj written for this process, in [-1000, 1000] (default -999).")
  String oomScoreAdj;

  @Option(
      names = "--kube-api-qps",
      paramLabel = "QPS",
      description =
          "Requests per second to the API server (token bucket); 0 means 5, < 0 no limit"
              + " (default 5).")
  String kubeApiQps;

  @Option(
      names = "--kube-api-burst",
      paramLabel = "N",
      description = "Requests allowed at once above --kube-api-qps; 0 means 10 (default 10).")
  String kubeApiBurst;

  @Option(
      names = "--kube-api-content-type",
      paramLabel = "TYPE",
      description =
          "Content type of requests to the API server; kipvs sends application/json"
              + " (default application/vnd.kubernetes.protobuf, served as JSON).")
  String kubeApiContentType;

  @Option(
      names = "--config-sync-period",
      paramLabel = "DURATION",
      description =
          "Resync period of the informers: cached objects are re-delivered, > 0 (default 15m0s).")
  String configSyncPeriod;

  @Option(
      names = "--bind-address",
      paramLabel = "IP",
      description =
          "This node's IP for loadBalancerSourceRanges; 0.0.0.0 or :: (default): every address"
              + " of the node.")
  String bindAddress;

  @Option(
      names = "--bind-address-hard-fail",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description =
          "Exit when healthz or metrics cannot be bound, instead of retrying every 5s (default"
              + " false).")
  String bindAddressHardFail;

  @Option(
      names = "--logging-format",
      paramLabel = "text|json",
      description = "Log format: text lines or one JSON object per line (default text).")
  String loggingFormat;

  @Option(
      names = {"-v", "--v"},
      paramLabel = "N",
      description = "Log verbosity as klog: 0-1 info, 2-3 debug, 4-5 trace, 6+ libraries too.")
  String verbosity;
}
