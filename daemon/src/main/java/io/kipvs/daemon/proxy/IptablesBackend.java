package io.kipvs.daemon.proxy;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which iptables programs to run: legacy or nft. "auto" chooses as upstream kube-proxy ends up
 * doing: the backend whose tables already hold Kubernetes rules, else the node's own {@code
 * iptables} (legacy or nft, as its alternatives select), else the one with more rules, else nft;
 * then it probes the choice by writing to it and takes the other backend when the kernel refuses.
 */
record IptablesBackend(String name, String save, String restore, String save6, String restore6) {
  private static final Logger LOG = LoggerFactory.getLogger(IptablesBackend.class);

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
    IptablesBackend first;
    if (!nftSave.ok()) {
      // A backend the kernel cannot even read (nf_tables missing or too old) is no choice at all.
      first = legacy();
    } else if (!legacySave.ok()) {
      first = nft();
    } else {
      first =
          preferLegacy(legacySave.stdout(), nftSave.stdout(), nodeDefault(runner))
              ? legacy()
              : nft();
    }
    IptablesBackend second = first.name().equals("legacy") ? nft() : legacy();
    // An nf_tables module that answers reads may still refuse to create the filter or nat table
    // (seen on kernels built without nft's NAT or filter support): only a write tells.
    Optional<String> refused = first.refusesWrites(runner);
    if (refused.isEmpty()) {
      return first;
    }
    Optional<String> alsoRefused = second.refusesWrites(runner);
    if (alsoRefused.isEmpty()) {
      LOG.warn(
          "The {} iptables backend refuses writes ({}): using the {} backend instead",
          first.name(),
          refused.get(),
          second.name());
      return second;
    }
    LOG.error(
        "Both iptables backends refuse writes ({}: {}; {}: {}): keeping {}, no rule can be written",
        first.name(),
        refused.get(),
        second.name(),
        alsoRefused.get(),
        first.name());
    return first;
  }

  /**
   * The restore input of the write probe: a chain of its own made and deleted again in the filter
   * and the nat table, which creates either table if it is missing and leaves no trace.
   */
  static final String PROBE_INPUT =
      "*filter\n:KIPVS-BACKEND-PROBE - [0:0]\n-X KIPVS-BACKEND-PROBE\nCOMMIT\n"
          + "*nat\n:KIPVS-BACKEND-PROBE - [0:0]\n-X KIPVS-BACKEND-PROBE\nCOMMIT\n";

  /** Why this backend refuses to write the tables kipvs needs, or empty when it accepts. */
  Optional<String> refusesWrites(CommandRunner runner) {
    CommandRunner.Result r = runner.run(List.of(restore, "-w", "--noflush"), PROBE_INPUT);
    if (r.ok()) {
      return Optional.empty();
    }
    String why = r.stderr().strip();
    return Optional.of(why.isEmpty() ? "exit code " + r.exitCode() : why.lines().findFirst().get());
  }

  /**
   * Which variant the node's plain {@code iptables} is (what its alternatives select), as {@code
   * iptables --version} says: "legacy", "nft", or empty when there is no such program or it says
   * neither.
   */
  static Optional<String> nodeDefault(CommandRunner runner) {
    if (!runner.exists("iptables")) {
      return Optional.empty();
    }
    return variantOf(runner.run(List.of("iptables", "--version"), "").stdout());
  }

  /** "iptables v1.8.9 (legacy)" gives legacy, "(nf_tables)" nft. */
  static Optional<String> variantOf(String version) {
    if (version.contains("(legacy)")) {
      return Optional.of("legacy");
    }
    if (version.contains("(nf_tables)")) {
      return Optional.of("nft");
    }
    return Optional.empty();
  }

  /**
   * Whether the legacy tables come first: the backend that holds Kubernetes rules (kubelet's or a
   * previous proxy's) wins; when neither or both do, the node's own {@code iptables}, as upstream
   * kube-proxy (which runs the plain {@code iptables}) would use; without one, the backend with
   * more rules, nft on a tie (kube-proxy's image's iptables-wrapper).
   */
  static boolean preferLegacy(String legacySave, String nftSave, Optional<String> nodeDefault) {
    boolean legacyKube = hasKubeRules(legacySave);
    boolean nftKube = hasKubeRules(nftSave);
    if (legacyKube != nftKube) {
      return legacyKube;
    }
    if (nodeDefault.isPresent()) {
      return nodeDefault.get().equals("legacy");
    }
    return choose(legacySave, nftSave);
  }

  /**
   * Whether this iptables supports {@code MASQUERADE --random-fully}, as upstream decides it: its
   * version is 1.6.2 or later.
   */
  boolean supportsRandomFully(CommandRunner runner) {
    CommandRunner.Result r = runner.run(List.of(restore, "--version"), "");
    return r.ok() && versionAtLeast(r.stdout() + r.stderr(), 1, 6, 2);
  }

  /** Whether the first "vX.Y.Z" in this text is at least the given version. */
  static boolean versionAtLeast(String text, int major, int minor, int patch) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("v(\\d+)\\.(\\d+)(?:\\.(\\d+))?").matcher(text);
    if (!m.find()) {
      return false;
    }
    int[] have = {
      Integer.parseInt(m.group(1)),
      Integer.parseInt(m.group(2)),
      m.group(3) == null ? 0 : Integer.parseInt(m.group(3))
    };
    int[] want = {major, minor, patch};
    for (int i = 0; i < 3; i++) {
      if (have[i] != want[i]) {
        return have[i] > want[i];
      }
    }
    return true;
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
