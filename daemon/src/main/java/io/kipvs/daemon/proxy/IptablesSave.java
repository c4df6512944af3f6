package io.kipvs.daemon.proxy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What {@code iptables-save} output tells about our rules: jumps, chains and their sizes. */
record IptablesSave(
    Set<String> chains,
    List<IptablesScript.Jump> jumps,
    Map<String, Integer> rules,
    Map<String, List<String>> jumpLines) {
  static IptablesSave parse(String save) {
    Set<String> chains = new HashSet<>();
    List<IptablesScript.Jump> jumps = new ArrayList<>();
    Map<String, Integer> rules = new HashMap<>();
    Map<String, List<String>> jumpLines = new HashMap<>();
    String table = "";
    for (String line : save.split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1).trim();
      } else if (line.startsWith(":")) {
        chains.add(table + "/" + line.substring(1).split(" ")[0]);
      } else if (line.startsWith("-A ")) {
        String chain = line.split(" ")[1];
        rules.merge(table + "/" + chain, 1, Integer::sum);
        if (!chain.startsWith("KUBE-") && jumpsIntoOurs(table, line)) {
          jumpLines.computeIfAbsent(table, t -> new ArrayList<>()).add(line);
        }
        for (IptablesScript.Jump j : IptablesScript.JUMPS) {
          if (j.table().equals(table)
              && j.from().equals(chain)
              && line.endsWith("-j " + j.to())
              && !jumps.contains(j)) {
            jumps.add(j);
          }
        }
      }
    }
    return new IptablesSave(
        Set.copyOf(chains), List.copyOf(jumps), Map.copyOf(rules), Map.copyOf(jumpLines));
  }

  private static boolean jumpsIntoOurs(String table, String line) {
    List<String> ours =
        table.equals("nat")
            ? IptablesScript.NAT_CHAINS
            : table.equals("filter") ? IptablesScript.FILTER_CHAINS : List.of();
    for (String c : ours) {
      if (line.endsWith("-j " + c)) {
        return true;
      }
    }
    return false;
  }

  /** Chain names only kube-proxy's iptables mode makes (upstream's pkg/proxy/iptables). */
  private static final List<String> IPTABLES_MODE_CHAINS =
      List.of("nat/KUBE-NODEPORTS", "filter/KUBE-SERVICES", "filter/KUBE-EXTERNAL-SERVICES");

  private static final List<String> IPTABLES_MODE_PREFIXES =
      List.of("nat/KUBE-SVC-", "nat/KUBE-SVL-", "nat/KUBE-SEP-", "nat/KUBE-EXT-", "nat/KUBE-FW-");

  /**
   * Chains kube-proxy's iptables mode left (as {@code table/chain}, sorted): kipvs replaces the
   * content of the chains both modes share, but these stay, and the filter ones still reject
   * traffic to services that had no endpoints then. Kube-proxy's IPVS mode makes none of them.
   */
  List<String> iptablesModeChains() {
    return chains.stream()
        .filter(
            c ->
                IPTABLES_MODE_CHAINS.contains(c)
                    || IPTABLES_MODE_PREFIXES.stream().anyMatch(c::startsWith))
        .sorted()
        .toList();
  }

  /** The jumps upstream ensures that this save lacks. */
  List<IptablesScript.Jump> missingJumps() {
    return IptablesScript.JUMPS.stream().filter(j -> !jumps.contains(j)).toList();
  }

  /**
   * Whether our chains hold exactly as many rules as this restore input writes into them: a cheap
   * drift check (rules added or deleted by hand), without parsing iptables' normalised syntax.
   */
  boolean matchesRuleCounts(String restoreInput) {
    Map<String, Integer> expected = new HashMap<>();
    String table = "";
    for (String line : restoreInput.split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1).trim();
      } else if (line.startsWith("-A ")) {
        expected.merge(table + "/" + line.split(" ")[1], 1, Integer::sum);
      }
    }
    for (String c : IptablesScript.NAT_CHAINS) {
      if (!chains.contains("nat/" + c)
          || !expected.getOrDefault("nat/" + c, 0).equals(rules.getOrDefault("nat/" + c, 0))) {
        return false;
      }
    }
    for (String c : IptablesScript.FILTER_CHAINS) {
      if (!chains.contains("filter/" + c)
          || !expected
              .getOrDefault("filter/" + c, 0)
              .equals(rules.getOrDefault("filter/" + c, 0))) {
        return false;
      }
    }
    return true;
  }
}
