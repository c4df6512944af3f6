package io.kipvs.daemon.config;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.daemon.conntrack.ConntrackConfig;
import io.kipvs.daemon.proxy.ProxierSettings;
import io.kipvs.k8s.Cidr;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineParserTest {
  static DaemonConfig parse(String... args) {
    CommandLineResult result = new CommandLineParser(() -> "Node-A.Example").parse(args);
    assertThat(result).isInstanceOf(CommandLineResult.Start.class);
    return ((CommandLineResult.Start) result).config();
  }

  static Cidr cidr(String address, int prefix) throws Exception {
    return new Cidr(InetAddress.getByName(address), prefix);
  }

  @Test
  void defaultsAreKubeProxys() throws Exception {
    DaemonConfig config = parse();
    ProxierSettings p = config.proxier();
    assertThat(p.nodeName()).isEqualTo("node-a.example");
    assertThat(p.scheduler()).isEqualTo("rr");
    assertThat(p.syncPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.minSyncPeriod()).isZero();
    assertThat(p.strictArp()).isFalse();
    assertThat(p.excludeCidrs()).isEmpty();
    assertThat(p.tcpTimeout()).isZero();
    assertThat(p.tcpFinTimeout()).isZero();
    assertThat(p.udpTimeout()).isZero();
    assertThat(p.masqueradeAll()).isFalse();
    assertThat(p.clusterCidrs()).isEmpty();
    assertThat(p.nodePortAddresses()).isEmpty();
    assertThat(p.iptablesBackend()).isEqualTo("auto");
    assertThat(p.maxDrain()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.healthzBindAddress())
        .contains(new BindAddress(InetAddress.getByName("0.0.0.0"), 10256));
    assertThat(config.metricsBindAddress())
        .contains(new BindAddress(InetAddress.getByName("127.0.0.1"), 10249));
    assertThat(config.conntrack()).isEqualTo(ConntrackConfig.DEFAULTS);
    assertThat(config.conntrack().maxPerCore()).isEqualTo(32768);
    assertThat(config.conntrack().min()).isEqualTo(131072);
    assertThat(config.conntrack().tcpEstablishedTimeout()).isEqualTo(Duration.ofHours(24));
    assertThat(config.conntrack().tcpCloseWaitTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(config.kubeconfig()).isEmpty();
    assertThat(config.master()).isEmpty();
    assertThat(config.verbosity()).isZero();
    assertThat(config.action()).isEqualTo(DaemonConfig.Action.RUN);
    assertThat(config.oomScoreAdj()).isEqualTo(-999);
    assertThat(config.apiRateLimit()).isEqualTo(new ApiRateLimit(5, 10));
    assertThat(config.configSyncPeriod()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.logFormat()).isEqualTo(LogFormat.TEXT);
    assertThat(config.bindAddressHardFail()).isFalse();
    assertThat(config.notes()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void everyFlagIsApplied() throws Exception {
    DaemonConfig config =
        parse(
            "--proxy-mode=ipvs",
            "--ipvs-scheduler=wlc",
            "--ipvs-sync-period=1m0s",
            "--ipvs-min-sync-period",
            "2s",
            "--ipvs-strict-arp",
            "--ipvs-exclude-cidrs=10.96.128.0/24,fd00::/64",
            "--ipvs-tcp-timeout=15m",
            "--ipvs-tcpfin-timeout=30s",
            "--ipvs-udp-timeout=5s",
            "--ipvs-max-drain=2m",
            "--iptables-backend=nft",
            "--masquerade-all=true",
            "--cluster-cidr=10.244.0.0/16,fd10::/56",
            "--nodeport-addresses=192.168.1.0/24",
            "--hostname-override=Worker-1",
            "--kubeconfig=/etc/kipvs/kubeconfig",
            "--master=https://10.0.0.1:6443",
            "--healthz-bind-address=127.0.0.1:20256",
            "--metrics-bind-address=[::1]:20249",
            "--conntrack-max-per-core=0",
            "--conntrack-min=1000",
            "--conntrack-tcp-timeout-established=2h",
            "--conntrack-tcp-timeout-close-wait=0s",
            "--conntrack-tcp-be-liberal",
            "--conntrack-udp-timeout=30s",
            "--conntrack-udp-timeout-stream=2m",
            "--iptables-masquerade-bit=14",
            "--detect-local-mode=ClusterCIDR",
            "--oom-score-adj=-500",
            "--kube-api-qps=20.5",
            "--kube-api-burst=40",
            "--kube-api-content-type=application/json",
            "--config-sync-period=5m",
            "--logging-format=json",
            "--bind-address-hard-fail",
            "--v=4");
    ProxierSettings p = config.proxier();
    assertThat(p.nodeName()).isEqualTo("worker-1");
    assertThat(p.scheduler()).isEqualTo("wlc");
    assertThat(p.syncPeriod()).isEqualTo(Duration.ofMinutes(1));
    assertThat(p.minSyncPeriod()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.strictArp()).isTrue();
    assertThat(p.excludeCidrs()).containsExactly(cidr("10.96.128.0", 24), cidr("fd00::", 64));
    assertThat(p.tcpTimeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(p.tcpFinTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.udpTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.maxDrain()).isEqualTo(Duration.ofMinutes(2));
    assertThat(p.iptablesBackend()).isEqualTo("nft");
    assertThat(p.masqueradeAll()).isTrue();
    assertThat(p.clusterCidrs()).containsExactly(cidr("10.244.0.0", 16), cidr("fd10::", 56));
    assertThat(p.nodePortAddresses()).containsExactly(cidr("192.168.1.0", 24));
    assertThat(config.kubeconfig()).contains("/etc/kipvs/kubeconfig");
    assertThat(config.master()).contains("https://10.0.0.1:6443");
    assertThat(config.healthzBindAddress())
        .contains(new BindAddress(InetAddress.getByName("127.0.0.1"), 20256));
    assertThat(config.metricsBindAddress())
        .contains(new BindAddress(InetAddress.getByName("::1"), 20249));
    assertThat(config.conntrack())
        .isEqualTo(
            new ConntrackConfig(
                0,
                1000,
                Duration.ofHours(2),
                Duration.ZERO,
                true,
                Duration.ofSeconds(30),
                Duration.ofMinutes(2)));
    assertThat(config.verbosity()).isEqualTo(4);
    assertThat(config.oomScoreAdj()).isEqualTo(-500);
    assertThat(config.apiRateLimit()).isEqualTo(new ApiRateLimit(20.5, 40));
    assertThat(config.configSyncPeriod()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.logFormat()).isEqualTo(LogFormat.JSON);
    assertThat(config.bindAddressHardFail()).isTrue();
    assertThat(config.notes())
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .startsWith("flag --config-sync-period")
        .contains("keep no objects to re-deliver");
    assertThat(config.warnings()).isEmpty();
  }

  /** client-go's defaulting: 0 means the default, a negative rate means no limit. */
  @Test
  void apiRateLimitDefaultsAsClientGo() {
    assertThat(parse("--kube-api-qps=0", "--kube-api-burst=0").apiRateLimit())
        .isEqualTo(ApiRateLimit.DEFAULT);
    assertThat(parse("--kube-api-qps=-1").apiRateLimit().limited()).isFalse();
    assertThat(parse("--kube-api-qps=50").apiRateLimit()).isEqualTo(new ApiRateLimit(50, 10));
  }

  @Test
  void goBooleanSyntax() {
    assertThat(parse("--masquerade-all").proxier().masqueradeAll()).isTrue();
    assertThat(parse("--masquerade-all=true").proxier().masqueradeAll()).isTrue();
    assertThat(parse("--masquerade-all=false").proxier().masqueradeAll()).isFalse();
    assertThat(parse("--masquerade-all", "--ipvs-strict-arp").proxier().strictArp()).isTrue();
    assertThat(parse("--cleanup").action()).isEqualTo(DaemonConfig.Action.CLEANUP);
    assertThat(parse("--cleanup=false").action()).isEqualTo(DaemonConfig.Action.RUN);
    assertThat(parse("--init-only").action()).isEqualTo(DaemonConfig.Action.INIT_ONLY);
  }

  @Test
  void verbosityForms() {
    assertThat(parse("-v=3").verbosity()).isEqualTo(3);
    assertThat(parse("-v", "5").verbosity()).isEqualTo(5);
    assertThat(parse("--v=2").verbosity()).isEqualTo(2);
    assertThat(parse("--v", "6").verbosity()).isEqualTo(6);
  }

  @Test
  void emptyModeMeansIpvs() {
    assertThat(parse("--mode=").proxier().scheduler()).isEqualTo("rr");
  }

  /**
   * Issue 16, kipvs explain: the debug endpoint serves loopback only, 127.0.0.1:10265 unless told.
   */
  @Test
  void debugBindAddressIsLoopbackOnly() throws Exception {
    assertThat(parse().debugBindAddress())
        .contains(new BindAddress(InetAddress.getByName("127.0.0.1"), 10265));
    assertThat(parse("--debug-bind-address=[::1]:20265").debugBindAddress())
        .contains(new BindAddress(InetAddress.getByName("::1"), 20265));
    assertThat(parse("--debug-bind-address=").debugBindAddress()).isEmpty();
    for (String address : List.of("0.0.0.0", "10.1.2.3:10265", "[::]")) {
      assertThatThrownBy(() -> parse("--debug-bind-address=" + address))
          .isInstanceOf(UsageException.class)
          .hasMessageContaining("--debug-bind-address")
          .hasMessageContaining("loopback address only");
    }
  }

  @Test
  void bindAddresses() throws Exception {
    assertThat(parse("--healthz-bind-address=").healthzBindAddress()).isEmpty();
    assertThat(parse("--metrics-bind-address=").metricsBindAddress()).isEmpty();
    assertThat(parse("--healthz-bind-address=10.1.2.3").healthzBindAddress())
        .contains(new BindAddress(InetAddress.getByName("10.1.2.3"), 10256));
    assertThat(parse("--metrics-bind-address=0.0.0.0").metricsBindAddress())
        .contains(new BindAddress(InetAddress.getByName("0.0.0.0"), 10249));
    assertThat(parse("--metrics-bind-address=[::]").metricsBindAddress())
        .contains(new BindAddress(InetAddress.getByName("::"), 10249));
    assertThat(parse("--healthz-bind-address=127.0.0.1:0").healthzBindAddress())
        .contains(new BindAddress(InetAddress.getByName("127.0.0.1"), 0));
    assertThat(parse("--healthz-port=0").healthzBindAddress()).isEmpty();
    assertThat(parse("--healthz-port=9999").healthzBindAddress())
        .contains(new BindAddress(InetAddress.getByName("0.0.0.0"), 9999));
    assertThat(parse("--metrics-port=0").metricsBindAddress()).isEmpty();
  }

  @Test
  void clusterCidrHostBitsAreCleared() throws Exception {
    assertThat(parse("--cluster-cidr=10.244.1.7/16").proxier().clusterCidrs())
        .containsExactly(cidr("10.244.0.0", 16));
  }

  /**
   * Flags of kube-proxy's other modes, Windows and klog's files change nothing in IPVS mode
   * upstream either: accepted, each named with the reason.
   */
  @Test
  void otherModesFlagsAreAcceptedAndNamedWithTheReason() {
    DaemonConfig config =
        parse(
            "--bind-address=0.0.0.0",
            "--bind-address-hard-fail=false",
            "--iptables-sync-period=30s",
            "--iptables-min-sync-period",
            "1s",
            "--iptables-localhost-nodeports=false",
            "--proxy-port-range=30000-31000",
            "--udp-timeout=250ms",
            "--pod-bridge-interface=cbr0",
            "--show-hidden-metrics-for-version=1.30",
            "--log-flush-frequency=5s",
            "--log-file=/var/log/kube-proxy.log",
            "--alsologtostderr",
            "--logtostderr=true",
            "--profiling=false",
            "--vmodule=",
            "--log-json-info-buffer-size=0",
            "--log-text-split-stream=false");
    assertThat(config.notes())
        .containsExactlyInAnyOrder(
            "flag --iptables-sync-period: only kube-proxy's iptables mode syncs on it; no effect"
                + " in IPVS mode on Linux, upstream either",
            "flag --iptables-min-sync-period: only kube-proxy's iptables mode syncs on it; no"
                + " effect in IPVS mode on Linux, upstream either",
            "flag --iptables-localhost-nodeports: only kube-proxy's iptables mode answers"
                + " NodePorts on localhost; no effect in IPVS mode on Linux, upstream either",
            "flag --proxy-port-range: it configured kube-proxy's userspace mode, removed in"
                + " Kubernetes 1.26; no effect in kube-proxy since then either",
            "flag --udp-timeout: it configured kube-proxy's userspace mode, removed in Kubernetes"
                + " 1.26; no effect in kube-proxy since then either",
            "flag --pod-bridge-interface: only the detect-local modes BridgeInterface and"
                + " InterfaceNamePrefix read it, and kipvs detects local traffic by ClusterCIDR (as"
                + " kube-proxy does in that mode, where it has no effect either)",
            "flag --show-hidden-metrics-for-version: kipvs hides no metric: every metric it has"
                + " is always served",
            "flag --log-flush-frequency: kipvs writes every log line at once, so nothing waits"
                + " for a flush",
            "flag --log-file: klog writes log files only with --logtostderr=false; no effect, as"
                + " in klog",
            "flag --alsologtostderr: klog reads it only when it writes log files; kipvs writes"
                + " none");
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void windowsFlagsAreWarnedAbout() {
    DaemonConfig config = parse("--enable-dsr", "--source-vip=10.0.0.9", "--windows-service=false");
    assertThat(config.warnings())
        .containsExactly(
            "flag --enable-dsr: only kube-proxy's kernelspace mode on Windows reads it; no effect"
                + " on Linux",
            "flag --source-vip: only kube-proxy's kernelspace mode on Windows reads it; no effect"
                + " on Linux");
  }

  /** A specific bind address is upstream's node IP for loadBalancerSourceRanges. */
  @Test
  void aSpecificBindAddressIsTheNodeIp() throws Exception {
    assertThat(parse().proxier().nodeIp()).isEmpty();
    assertThat(parse("--bind-address=::").proxier().nodeIp()).isEmpty();
    assertThat(parse("--bind-address=0.0.0.0").proxier().nodeIp()).isEmpty();
    DaemonConfig config = parse("--bind-address=192.168.1.10");
    assertThat(config.proxier().nodeIp()).contains(InetAddress.getByName("192.168.1.10"));
    assertThat(config.notes()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void featureGates() {
    DaemonConfig config =
        parse(
            "--feature-gates=TopologyAwareHints=true,NFTablesProxyMode=true,"
                + "SomeFutureGate=false,AllAlpha=false");
    assertThat(config.notes())
        .containsExactly(
            "flag --feature-gates NFTablesProxyMode: only the nftables mode reads it; no effect in"
                + " IPVS mode");
    assertThat(config.warnings())
        .containsExactly(
            "flag --feature-gates SomeFutureGate: not a gate kube-proxy's IPVS mode reads;"
                + " kube-proxy would reject a name it does not know, kipvs goes on without it");
    assertThatThrownBy(() -> parse("--feature-gates=LoadBalancerIPMode=false"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--feature-gates")
        .hasMessageContaining("kipvs always skips load-balancer ingress IPs whose ipMode is Proxy");
    assertThatThrownBy(() -> parse("--feature-gates=TopologyAwareHints"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("missing bool value");
  }

  /** What kipvs cannot do is refused unless at its default, so nobody believes it applied. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--profiling | pprof",
        "--profiling=true | pprof",
        "--logtostderr=false | klog's log files were removed",
        "--vmodule=proxier*=5 | Go source files",
        "--log-backtrace-at=proxier.go:120 | Go source line",
        "--skip-headers | header is fixed",
        "--add-dir-header=true | header is fixed",
        "--log-json-info-buffer-size=64Ki | never buffers",
        "--log-json-split-stream | cannot split",
        "--kube-api-content-type=application/yaml | application/json only",
        "--logging-format=logfmt | unsupported log format",
        "--oom-score-adj=-1001 | [-1000, 1000]",
        "--oom-score-adj=high | not an integer",
        "--kube-api-qps=fast | not a number",
        "--kube-api-burst=-1 | must not be negative",
        "--config-sync-period=0s | must be > 0",
        "--config-sync-period=15 | --config-sync-period",
        "--iptables-sync-period=0s | must be greater than 0",
        "--show-hidden-metrics-for-version=latest | version such as 1.30",
        "--bind-address=node-1 | not an IP address"
      })
  void whatKipvsCannotFollowIsRefused(String arg, String why) {
    assertThatThrownBy(() -> parse(arg))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining(arg.split("=")[0])
        .hasMessageContaining(why);
  }

  /** kube-proxy's default content type is protobuf: accepted, and the JSON fallback named. */
  @Test
  void protobufContentTypeIsServedAsJson() {
    assertThat(parse("--kube-api-content-type=application/vnd.kubernetes.protobuf").notes())
        .singleElement()
        .asString()
        .contains("speaks JSON only");
  }

  @Test
  void helpAndVersionArePrinted() {
    CommandLineResult help = new CommandLineParser(() -> "n").parse("--help");
    assertThat(help).isInstanceOf(CommandLineResult.Print.class);
    assertThat(((CommandLineResult.Print) help).text())
        .contains("--ipvs-scheduler", "--config", "--proxy-mode", "--cleanup");
    CommandLineResult version = new CommandLineParser(() -> "n").parse("--version");
    assertThat(((CommandLineResult.Print) version).text()).startsWith("kipvs");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--mode=iptables | --mode",
        "--proxy-mode=nftables | --mode",
        "--ipvs-scheduler=bogus | --ipvs-scheduler",
        "--ipvs-sync-period=30 | --ipvs-sync-period",
        "--ipvs-sync-period=0s | --ipvs-sync-period",
        "--ipvs-sync-period=-5s | --ipvs-sync-period",
        "--ipvs-min-sync-period=1x | --ipvs-min-sync-period",
        "--ipvs-min-sync-period=1m | --ipvs-min-sync-period",
        "--ipvs-strict-arp=yes | --ipvs-strict-arp",
        "--ipvs-exclude-cidrs=10.0.0.0 | --ipvs-exclude-cidrs",
        "--ipvs-exclude-cidrs=10.0.0.0/33 | --ipvs-exclude-cidrs",
        "--ipvs-tcp-timeout=forever | --ipvs-tcp-timeout",
        "--ipvs-tcpfin-timeout=-1s | --ipvs-tcpfin-timeout",
        "--ipvs-udp-timeout=5 | --ipvs-udp-timeout",
        "--ipvs-max-drain=soon | --ipvs-max-drain",
        "--iptables-backend=xtables | --iptables-backend",
        "--masquerade-all=maybe | --masquerade-all",
        "--cluster-cidr=10.244.0.0/16,10.245.0.0/16 | --cluster-cidr",
        "--cluster-cidr=pods | --cluster-cidr",
        "--cluster-cidr=300.1.1.1/8 | --cluster-cidr",
        "--nodeport-addresses=primary | --nodeport-addresses",
        "--nodeport-addresses=node.example/24 | --nodeport-addresses",
        "--healthz-bind-address=localhost:10256 | --healthz-bind-address",
        "--healthz-bind-address=0.0.0.0:70000 | --healthz-bind-address",
        "--metrics-bind-address=1.2.3.4:x | --metrics-bind-address",
        "--metrics-bind-address=[::1 | --metrics-bind-address",
        "--healthz-port=-1 | --healthz-port",
        "--metrics-port=99999 | --metrics-port",
        "--conntrack-max-per-core=-1 | --conntrack-max-per-core",
        "--conntrack-max-per-core=lots | --conntrack-max-per-core",
        "--conntrack-min=1.5 | --conntrack-min",
        "--conntrack-tcp-timeout-established=1d | --conntrack-tcp-timeout-established",
        "--conntrack-tcp-timeout-close-wait=x | --conntrack-tcp-timeout-close-wait",
        "--conntrack-tcp-be-liberal=2 | --conntrack-tcp-be-liberal",
        "--conntrack-udp-timeout=1 | --conntrack-udp-timeout",
        "--conntrack-udp-timeout-stream=-2m | --conntrack-udp-timeout-stream",
        "--iptables-masquerade-bit=15 | --iptables-masquerade-bit",
        "--detect-local-mode=NodeCIDR | --detect-local-mode",
        "--cleanup=please | --cleanup",
        "--v=loud | -v",
        "-v=-1 | -v",
        "--no-such-flag | --no-such-flag",
        "--ipvs-scheduler | --ipvs-scheduler",
        "--config=/nonexistent/kipvs.conf | --config",
        "stray | stray"
      })
  void badValuesNameTheFlag(String arg, String flag) {
    assertThatThrownBy(() -> new CommandLineParser(() -> "node").parse(arg))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining(flag);
  }

  @Test
  void unknownSchedulerIsNamed() {
    assertThatThrownBy(() -> parse("--ipvs-scheduler=rrr"))
        .hasMessageContaining("\"rrr\"")
        .hasMessageContaining("unknown IPVS scheduler");
  }

  @Test
  void iptablesModeSaysOnlyIpvs() {
    assertThatThrownBy(() -> parse("--mode=iptables"))
        .hasMessageContaining("only supports the ipvs proxy mode");
  }

  @Test
  void emptyHostnameWithoutOverrideIsAnError() {
    assertThatThrownBy(() -> new CommandLineParser(() -> " ").parse())
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--hostname-override");
    assertThat(
            ((CommandLineResult.Start)
                    new CommandLineParser(() -> "").parse("--hostname-override=n1"))
                .config()
                .proxier()
                .nodeName())
        .isEqualTo("n1");
  }

  @Test
  void laterFlagWins() {
    assertThat(parse("--ipvs-scheduler=lc", "--ipvs-scheduler=sh").proxier().scheduler())
        .isEqualTo("sh");
    assertThat(Optional.of(parse("--v=1", "-v=3").verbosity())).contains(3);
  }
}
