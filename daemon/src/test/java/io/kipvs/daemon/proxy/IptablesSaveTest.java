package io.kipvs.daemon.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What kipvs reads from iptables-save besides its own chains. */
class IptablesSaveTest {
  /** The chains kube-proxy's IPVS mode makes, shared with kipvs (issue 17: adopted as they are). */
  private static final String IPVS_MODE =
      """
      *nat
      :PREROUTING ACCEPT [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-NODE-PORT - [0:0]
      :KUBE-LOAD-BALANCER - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
      COMMIT
      *filter
      :INPUT ACCEPT [0:0]
      :KUBE-FORWARD - [0:0]
      :KUBE-NODE-PORT - [0:0]
      :KUBE-PROXY-FIREWALL - [0:0]
      :KUBE-SOURCE-RANGES-FIREWALL - [0:0]
      :KUBE-IPVS-FILTER - [0:0]
      :KUBE-IPVS-OUT-FILTER - [0:0]
      :KUBE-FIREWALL - [0:0]
      COMMIT
      """;

  /**
   * A node where kube-proxy ran its iptables mode (kubeadm's mode "") before kipvs: kipvs names the
   * chains only that mode makes, for the warning that tells the user to clean them up.
   */
  @Test
  void iptablesModeChainsAreNamedAndIpvsModesAreNot() {
    assertThat(IptablesSave.parse(IPVS_MODE).iptablesModeChains()).isEmpty();
    String iptablesMode =
        IPVS_MODE
            .replace(
                ":KUBE-MARK-MASQ - [0:0]\n",
                """
                :KUBE-MARK-MASQ - [0:0]
                :KUBE-NODEPORTS - [0:0]
                :KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
                :KUBE-SEP-IT2ZTR26TO4XFPTO - [0:0]
                :KUBE-EXT-XPGD46QRK7WJZT7O - [0:0]
                """)
            .replace(
                ":KUBE-FIREWALL - [0:0]\n",
                """
                :KUBE-FIREWALL - [0:0]
                :KUBE-SERVICES - [0:0]
                :KUBE-EXTERNAL-SERVICES - [0:0]
                -A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "ns/empty has no endpoints" -j REJECT --reject-with icmp-port-unreachable
                """);
    assertThat(IptablesSave.parse(iptablesMode).iptablesModeChains())
        .containsExactly(
            "filter/KUBE-EXTERNAL-SERVICES",
            "filter/KUBE-SERVICES",
            "nat/KUBE-EXT-XPGD46QRK7WJZT7O",
            "nat/KUBE-NODEPORTS",
            "nat/KUBE-SEP-IT2ZTR26TO4XFPTO",
            "nat/KUBE-SVC-TCOU7JCQXEZGVUNU");
  }
}
