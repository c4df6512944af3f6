package io.kipvs.daemon.proxy;

import java.util.List;

/**
 * Which iptables programs to run: legacy or nft. "auto" does what kube-proxy's image does: the
 * backend whose tables already hold Kubernetes rules, else the one with more rules, else nft.
 */
record IptablesBackend(String name, String save, String restore, String save6, String restore6) {
  static IptablesBackend legacy() {
    return new IptablesBackend(
        "legacy",
        "iptables-legacy-save",
        "iptables-legacy-restore",
        "ip6tables-legacy-save",
        "ip6tables-legacy-restore");
  }

  static IptablesBackend nft() {
    return new IptablesBackend(
        "nft",
        "iptables-nft-save",
        "iptables-nft-restore",
        "ip6tables-nft-save",
        "ip6tables-nft-restore");
  }

  /** The plain names, when neither variant is installed under its own name. */
  static IptablesBackend plain() {
    return new IptablesBackend(
        "default", "iptables-save", "iptables-restore", "ip6tables-save", "ip6tables-restore");
  }

  String save(boolean v6) {
    return v6 ? save6 : save;
  }

  String restore(boolean v6) {
    return v6 ? restore6 : restore;
  }

  static IptablesBackend select(String setting, CommandRunner runner) {
    switch (setting) {
      case "legacy":
        return legacy();
      case "nft":
        return nft();
      case "auto":
        break;
      default:
        throw new IllegalArgumentException(
            "iptables backend must be auto, legacy or nft, not \"" + setting + "\"");
    }
    boolean hasLegacy = runner.exists(legacy().save());
    boolean hasNft = runner.exists(nft().save());
    if (!hasLegacy && !hasNft) {
      return plain();
    }
    if (!hasNft) {
      return legacy();
    }
    if (!hasLegacy) {
      return nft();
    }
    CommandRunner.Result legacySave = runner.run(List.of(legacy().save()), "");
    CommandRunner.Result nftSave = runner.run(List.of(nft().save()), "");
    // A backend the kernel cannot serve (nf_tables missing or too old) is no choice at all.
    if (!nftSave.ok()) {
      return legacy();
    }
    if (!legacySave.ok()) {
      return nft();
    }
    return choose(legacySave.stdout(), nftSave.stdout()) ? legacy() : nft();
  }

  /** Whether the legacy tables win, given both saves. */
  static boolean choose(String legacySave, String nftSave) {
    boolean legacyKube = hasKubeRules(legacySave);
    boolean nftKube = hasKubeRules(nftSave);
    if (legacyKube != nftKube) {
      return legacyKube;
    }
    return ruleCount(legacySave) > ruleCount(nftSave);
  }

  private static boolean hasKubeRules(String save) {
    return save.contains("KUBE-IPTABLES-HINT")
        || save.contains("KUBE-KUBELET-CANARY")
        || save.contains(":KUBE-SERVICES");
  }

  private static long ruleCount(String save) {
    return save.lines().filter(l -> l.startsWith("-")).count();
  }
}
