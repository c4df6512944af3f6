package io.kipvs.daemon.config;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.daemon.conntrack.ConntrackConfig;
import io.kipvs.k8s.Cidr;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigFileTest {
  private static final String HEADER =
      "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";

  @TempDir Path dir;

  private Path write(String text) throws IOException {
    Path file = dir.resolve("config.conf");
    Files.writeString(file, text);
    return file;
  }

  private DaemonConfig load(String text, String... flags) throws IOException {
    Path file = write(text);
    List<String> args = new ArrayList<>(List.of("--config=" + file));
    args.addAll(List.of(flags));
    return CommandLineParserTest.parse(args.toArray(String[]::new));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ConfigFileTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void kubeadmDefaultIsAcceptedVerbatimAndGivesKubeProxyDefaults() throws Exception {
    DaemonConfig config = load(resource("kubeadm-default.conf"));
    DaemonConfig defaults = CommandLineParserTest.parse();
    assertThat(config.proxier().scheduler()).isEqualTo("rr");
    assertThat(config.proxier().syncPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.proxier().minSyncPeriod()).isZero();
    assertThat(config.proxier().clusterCidrs())
        .containsExactly(new Cidr(InetAddress.getByName("10.244.0.0"), 16));
    assertThat(config.conntrack()).isEqualTo(ConntrackConfig.DEFAULTS);
    assertThat(config.healthzBindAddress()).isEqualTo(defaults.healthzBindAddress());
    assertThat(config.metricsBindAddress()).isEqualTo(defaults.metricsBindAddress());
    assertThat(config.kubeconfig()).contains("/var/lib/kube-proxy/kubeconfig.conf");
    assertThat(config.proxier().nodeName()).isEqualTo("node-a.example");
    assertThat(config.oomScoreAdj()).isEqualTo(-999);
    assertThat(config.apiRateLimit()).isEqualTo(ApiRateLimit.DEFAULT);
    assertThat(config.configSyncPeriod()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.logFormat()).isEqualTo(LogFormat.TEXT);
    // Zero values and kube-proxy's defaults (bindAddress 0.0.0.0) are not worth a line.
    assertThat(config.notes()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  /** kube-proxy's DaemonSet as kubeadm writes it keeps its command line with kipvs's image. */
  @Test
  void kubeadmCommandLineWithItsConfigMap() throws Exception {
    Path file = write(resource("kubeadm-default.conf"));
    CommandLineResult result =
        new CommandLineParser(() -> "ignored")
            .parse("--config=" + file, "--hostname-override=Worker-3");
    DaemonConfig config = ((CommandLineResult.Start) result).config();
    assertThat(config.proxier().nodeName()).isEqualTo("worker-3");
    assertThat(config.action()).isEqualTo(DaemonConfig.Action.RUN);
    assertThat(config.notes()).isEmpty();
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void everyFieldKipvsUsesIsApplied() throws Exception {
    DaemonConfig config =
        load(
            HEADER
                + """
                mode: ipvs
                clusterCIDR: 10.244.0.0/16,fd10::/56
                hostnameOverride: Node-7
                healthzBindAddress: 127.0.0.1:11256
                metricsBindAddress: 0.0.0.0:11249
                nodePortAddresses: [192.168.0.0/16]
                clientConnection:
                  kubeconfig: /var/lib/kipvs/kubeconfig.conf
                  qps: 2.5
                  burst: 3
                  contentType: application/json
                  acceptContentTypes: application/json
                iptables:
                  masqueradeAll: true
                  masqueradeBit: 14
                ipvs:
                  scheduler: lc
                  syncPeriod: 1m0s
                  minSyncPeriod: 1s
                  excludeCIDRs: [10.100.0.0/16]
                  strictARP: true
                  tcpTimeout: 900s
                  tcpFinTimeout: 2m
                  udpTimeout: 10s
                conntrack:
                  maxPerCore: 0
                  min: 5
                  tcpEstablishedTimeout: 0s
                  tcpCloseWaitTimeout: 30m
                  tcpBeLiberal: true
                  udpTimeout: 1m
                  udpStreamTimeout: 3m
                logging:
                  format: json
                  verbosity: 2
                  flushFrequency: 0
                  options:
                    json:
                      infoBufferSize: "0"
                      splitStream: false
                detectLocalMode: ClusterCIDR
                oomScoreAdj: -998
                configSyncPeriod: 1m
                bindAddress: "::"
                bindAddressHardFail: true
                enableProfiling: false
                """);
    var p = config.proxier();
    assertThat(p.nodeName()).isEqualTo("node-7");
    assertThat(p.scheduler()).isEqualTo("lc");
    assertThat(p.syncPeriod()).isEqualTo(Duration.ofMinutes(1));
    assertThat(p.minSyncPeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.excludeCidrs()).containsExactly(new Cidr(InetAddress.getByName("10.100.0.0"), 16));
    assertThat(p.strictArp()).isTrue();
    assertThat(p.tcpTimeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(p.tcpFinTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(p.udpTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.masqueradeAll()).isTrue();
    assertThat(p.clusterCidrs()).hasSize(2);
    assertThat(p.nodePortAddresses())
        .containsExactly(new Cidr(InetAddress.getByName("192.168.0.0"), 16));
    assertThat(config.kubeconfig()).contains("/var/lib/kipvs/kubeconfig.conf");
    assertThat(config.healthzBindAddress().orElseThrow().port()).isEqualTo(11256);
    assertThat(config.metricsBindAddress().orElseThrow().toString()).isEqualTo("0.0.0.0:11249");
    assertThat(config.conntrack())
        .isEqualTo(
            new ConntrackConfig(
                0,
                5,
                Duration.ZERO,
                Duration.ofMinutes(30),
                true,
                Duration.ofMinutes(1),
                Duration.ofMinutes(3)));
    assertThat(config.verbosity()).isEqualTo(2);
    assertThat(config.logFormat()).isEqualTo(LogFormat.JSON);
    assertThat(config.oomScoreAdj()).isEqualTo(-998);
    assertThat(config.configSyncPeriod()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.apiRateLimit()).isEqualTo(new ApiRateLimit(2.5, 3));
    assertThat(config.bindAddressHardFail()).isTrue();
    assertThat(config.notes())
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .startsWith("field configSyncPeriod")
        .contains("keep no objects to re-deliver");
    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void explicitFlagsOverrideTheFile() throws Exception {
    String file =
        HEADER
            + """
            ipvs:
              scheduler: wrr
              syncPeriod: 10s
            hostnameOverride: from-file
            conntrack:
              maxPerCore: 1
            """;
    DaemonConfig fileOnly = load(file);
    assertThat(fileOnly.proxier().scheduler()).isEqualTo("wrr");
    assertThat(fileOnly.proxier().syncPeriod()).isEqualTo(Duration.ofSeconds(10));
    assertThat(fileOnly.proxier().nodeName()).isEqualTo("from-file");

    DaemonConfig overridden =
        load(
            file,
            "--ipvs-scheduler=lc",
            "--hostname-override=from-flag",
            "--conntrack-max-per-core=7");
    assertThat(overridden.proxier().scheduler()).isEqualTo("lc");
    assertThat(overridden.proxier().nodeName()).isEqualTo("from-flag");
    assertThat(overridden.conntrack().maxPerCore()).isEqualTo(7);
    // Not given as a flag: the file's value stays.
    assertThat(overridden.proxier().syncPeriod()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aFlagCanBringBackWhatTheFileDisabled() throws Exception {
    DaemonConfig config = load(HEADER + "mode: ipvs\n", "--metrics-bind-address=");
    assertThat(config.metricsBindAddress()).isEmpty();
  }

  @Test
  void otherModesFieldsAreNamedWithTheReasonWhenSet() throws Exception {
    DaemonConfig config =
        load(
            HEADER
                + """
                featureGates:
                  NFTablesProxyMode: true
                iptables:
                  syncPeriod: 30s
                  minSyncPeriod: 0s
                nftables:
                  masqueradeAll: false
                  syncPeriod: 30s
                winkernel:
                  enableDSR: true
                portRange: 30000-31000
                detectLocal:
                  bridgeInterface: cbr0
                showHiddenMetricsForVersion: "1.30"
                clientConnection:
                  contentType: application/vnd.kubernetes.protobuf
                logging:
                  flushFrequency: 5s
                """);
    assertThat(config.notes())
        .extracting(n -> n.substring(0, n.indexOf(':')))
        .containsExactly(
            "field featureGates in " + dir.resolve("config.conf") + " NFTablesProxyMode",
            "field iptables.syncPeriod in " + dir.resolve("config.conf"),
            "field nftables.syncPeriod in " + dir.resolve("config.conf"),
            "field portRange in " + dir.resolve("config.conf"),
            "field detectLocal.bridgeInterface in " + dir.resolve("config.conf"),
            "field showHiddenMetricsForVersion in " + dir.resolve("config.conf"),
            "field clientConnection.contentType in " + dir.resolve("config.conf"),
            "field logging.flushFrequency in " + dir.resolve("config.conf"));
    assertThat(config.notes().get(1)).endsWith("no effect in IPVS mode on Linux, upstream either");
    assertThat(config.warnings())
        .containsExactly(
            "field winkernel.enableDSR in "
                + dir.resolve("config.conf")
                + ": only kube-proxy's kernelspace mode on Windows reads it; no effect on Linux");
  }

  /**
   * windowsRunAsService, the configuration file's --windows-service in newer kube-proxy versions:
   * accepted (a file that has it would otherwise stop kipvs as misspelt), a warning when true.
   */
  @Test
  void windowsRunAsServiceIsAcceptedAsItsFlag() throws Exception {
    assertThat(load(HEADER + "windowsRunAsService: false\n").warnings()).isEmpty();
    assertThat(load(HEADER + "windowsRunAsService: true\n").warnings())
        .containsExactly(
            "field windowsRunAsService in "
                + dir.resolve("config.conf")
                + ": only kube-proxy's kernelspace mode on Windows reads it; no effect on Linux");
  }

  /** oomScoreAdj: null is kube-proxy's default -999; clientConnection 0 values are 5 and 10. */
  @Test
  void nullAndZeroMeanKubeProxysDefaults() throws Exception {
    DaemonConfig config =
        load(
            HEADER
                + """
                oomScoreAdj: null
                configSyncPeriod: 0s
                clientConnection: {qps: 0, burst: 0}
                """);
    assertThat(config.oomScoreAdj()).isEqualTo(-999);
    assertThat(config.configSyncPeriod()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.apiRateLimit()).isEqualTo(ApiRateLimit.DEFAULT);
    assertThat(load(HEADER + "oomScoreAdj: 0\n").oomScoreAdj()).isZero();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "shceduler: rr | unknown field \"shceduler\"",
        "ipvs: {shceduler: rr} | unknown field \"ipvs.shceduler\"",
        "conntrack: {maxPerCor: 1} | unknown field \"conntrack.maxPerCor\"",
        "clientConnection: {kubeConfig: /x} | unknown field \"clientConnection.kubeConfig\"",
        "logging: {options: {jsn: {}}} | unknown field \"logging.options.jsn\"",
        "winkernel: {enableDsr: true} | unknown field \"winkernel.enableDsr\"",
        "mode: iptables | field mode",
        "ipvs: {scheduler: bogus} | field ipvs.scheduler",
        "ipvs: {syncPeriod: 30} | field ipvs.syncPeriod",
        "ipvs: {syncPeriod: '30'} | field ipvs.syncPeriod",
        "ipvs: {minSyncPeriod: 5m} | field ipvs.minSyncPeriod",
        "ipvs: {minSyncPeriod: 5m, syncPeriod: 1m} | field ipvs.syncPeriod",
        "bindAddress: somewhere | field bindAddress",
        "ipvs: {excludeCIDRs: 10.0.0.0/8} | field ipvs.excludeCIDRs",
        "ipvs: {excludeCIDRs: [10.0.0.0]} | field ipvs.excludeCIDRs",
        "ipvs: {strictARP: yes please} | field ipvs.strictARP",
        "ipvs: {tcpTimeout: -1s} | field ipvs.tcpTimeout",
        "ipvs: {tcpFinTimeout: x} | field ipvs.tcpFinTimeout",
        "ipvs: {udpTimeout: 1} | field ipvs.udpTimeout",
        "ipvs: [] | field ipvs",
        "clusterCIDR: 10.244.0.0 | field clusterCIDR",
        "clusterCIDR: [10.244.0.0/16] | field clusterCIDR",
        "nodePortAddresses: [primary] | field nodePortAddresses",
        "healthzBindAddress: localhost:10256 | field healthzBindAddress",
        "metricsBindAddress: 127.0.0.1:100000 | field metricsBindAddress",
        "hostnameOverride: 7 | field hostnameOverride",
        "conntrack: {maxPerCore: -1} | field conntrack.maxPerCore",
        "conntrack: {maxPerCore: '32768'} | field conntrack.maxPerCore",
        "conntrack: {min: 1.5} | field conntrack.min",
        "conntrack: {tcpEstablishedTimeout: 1d} | field conntrack.tcpEstablishedTimeout",
        "conntrack: {tcpCloseWaitTimeout: 60} | field conntrack.tcpCloseWaitTimeout",
        "conntrack: {tcpBeLiberal: 1} | field conntrack.tcpBeLiberal",
        "conntrack: {udpTimeout: x} | field conntrack.udpTimeout",
        "conntrack: {udpStreamTimeout: x} | field conntrack.udpStreamTimeout",
        "iptables: {masqueradeBit: 15} | field iptables.masqueradeBit",
        "iptables: {masqueradeAll: 1} | field iptables.masqueradeAll",
        "iptables: {syncPeriod: x} | field iptables.syncPeriod",
        "detectLocalMode: BridgeInterface | field detectLocalMode",
        "logging: {verbosity: -2} | field logging.verbosity",
        "featureGates: {A: maybe} | field featureGates.A",
        "oomScoreAdj: high | field oomScoreAdj",
        "oomScoreAdj: 1001 | field oomScoreAdj",
        "clientConnection: {qps: fast} | field clientConnection.qps",
        "clientConnection: {burst: -3} | field clientConnection.burst",
        "clientConnection: {burst: 1.5} | field clientConnection.burst",
        "clientConnection: {contentType: application/cbor} | field clientConnection.contentType",
        "clientConnection: {acceptContentTypes: application/cbor} | field clientConnection.accept",
        "configSyncPeriod: 15 | field configSyncPeriod",
        "enableProfiling: true | field enableProfiling",
        "logging: {format: logfmt} | field logging.format",
        "logging: {vmodule: [{filePattern: proxier, verbosity: 4}]} | field logging.vmodule",
        "logging: {options: {json: {infoBufferSize: 64Ki}}} | field logging.options.json",
        "logging: {options: {text: {splitStream: true}}} | field logging.options.text",
        "featureGates: {TopologyAwareHints: false} | field featureGates",
        "showHiddenMetricsForVersion: next | field showHiddenMetricsForVersion"
      })
  void badFieldsAreNamed(String yaml, String expected) throws Exception {
    Path file = write(HEADER + yaml + "\n");
    assertThatThrownBy(() -> new CommandLineParser(() -> "n").parse("--config", file.toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining(expected)
        .hasMessageContaining(file.toString());
  }

  @Test
  void typeMetaIsChecked() throws Exception {
    Path wrongVersion =
        write("apiVersion: kubeproxy.config.k8s.io/v1beta1\nkind: KubeProxyConfiguration\n");
    assertThatThrownBy(() -> new CommandLineParser(() -> "n").parse("--config=" + wrongVersion))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("apiVersion");
    Path wrongKind =
        write("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeletConfiguration\n");
    assertThatThrownBy(() -> new CommandLineParser(() -> "n").parse("--config=" + wrongKind))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("kind");
    Path notYaml = write("a: [b\n");
    assertThatThrownBy(() -> new CommandLineParser(() -> "n").parse("--config=" + notYaml))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("cannot parse");
  }
}
