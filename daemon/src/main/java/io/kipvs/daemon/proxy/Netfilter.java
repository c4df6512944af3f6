package io.kipvs.daemon.proxy;

import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipset.IpsetFailure;
import io.kipvs.ipset.IpsetMember;
import io.kipvs.ipset.IpsetOperation;
import io.kipvs.ipset.SetHeader;
import io.kipvs.k8s.Cidr;
import io.kipvs.xtables.LegacyTables;
import io.kipvs.xtables.TableSummary;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the ipsets and the iptables chains equal to the desired state, in two steps around the IPVS
 * writes of a sync: what new services need, before they go live ({@link #syncIpsets} or {@link
 * #resyncIpsets}, then {@link #syncIptables}); what removed ones left, after they are gone ({@link
 * #prune}). Each step writes the sets with one batch of the ipset netlink client (many members per
 * message, many messages per system call) and runs one {@code iptables-restore --noflush} per
 * family at most, only when something changed. Remembers what it wrote so that an incremental sync
 * diffs only the touched members.
 */
final class Netfilter {
  private static final Logger LOG = LoggerFactory.getLogger(Netfilter.class);

  /** Refused ipset operations logged one by one per write; the rest are counted. */
  private static final int LOGGED_FAILURES = 10;

  private final CommandRunner runner;
  private final IpsetClient ipset;
  private final IptablesBackend backend;
  private final boolean masqueradeAll;
  private final List<Cidr> clusterCidrs;
  private final boolean randomFully;
  private final Set<IpsetEntry> written = new HashSet<>();
  // Members the last set sync found no longer wanted, which prune() deletes.
  private final List<IpsetEntry> unwanted = new ArrayList<>();
  private final Map<Boolean, String> lastRules = new HashMap<>();
  private final Set<Boolean> setsCreated = new HashSet<>();
  private final Map<Boolean, Optional<List<TableSummary>>> summaries = new HashMap<>();
  private boolean warnedNoIp6tables;
  private boolean warnedIptablesMode;
  // For kubeproxy_sync_proxy_rules_iptables_restore_failures_total; read by scrapes.
  private final java.util.concurrent.atomic.AtomicLong restoreFailures =
      new java.util.concurrent.atomic.AtomicLong();

  Netfilter(
      CommandRunner runner,
      IpsetClient ipset,
      IptablesBackend backend,
      boolean masqueradeAll,
      List<Cidr> clusterCidrs,
      boolean randomFully) {
    this.runner = runner;
    this.ipset = ipset;
    this.backend = backend;
    this.masqueradeAll = masqueradeAll;
    this.clusterCidrs = List.copyOf(clusterCidrs);
    this.randomFully = randomFully;
  }

  IptablesBackend backend() {
    return backend;
  }

  /** How many iptables-restore runs failed since start. */
  long restoreFailures() {
    return restoreFailures.get();
  }

  /**
   * The first half of a sync's set work, before it binds addresses or writes IPVS: creates the sets
   * and adds the members the index wants. A service is live as soon as its address is bound and its
   * virtual server has real servers, and from then on every connection to it needs its rules: the
   * node's own connections need the masquerade rule from their first packet, since conntrack never
   * looks at the nat table again, and a connection made without it stays blackholed. Members no
   * longer wanted are kept until {@link #prune}, which the sync calls once the services they served
   * are gone. Full: reads every member of our sets first, as {@code ipset save} would (repairs
   * drift); otherwise only the touched members are compared with what was written. Returns whether
   * it succeeded.
   */
  boolean syncIpsets(DesiredIndex index, Optional<Collection<IpsetEntry>> touched) {
    Set<Boolean> families = families(index);
    List<IpsetEntry> add = new ArrayList<>();
    unwanted.clear();
    if (touched.isEmpty()) {
      Optional<Set<IpsetEntry>> read = readSets();
      if (read.isEmpty()) {
        forgetSets();
        return false;
      }
      Set<IpsetEntry> saved = read.get();
      if (!setsCreated.isEmpty() && !saved.equals(written)) {
        long missing = written.stream().filter(e -> !saved.contains(e)).count();
        long unexpected = saved.stream().filter(e -> !written.contains(e)).count();
        LOG.info(
            "ipset members changed behind our back ({} missing, {} unexpected): repairing them",
            missing,
            unexpected);
      }
      written.clear();
      written.addAll(saved);
      setsCreated.clear();
      for (IpsetEntry e : index.entries()) {
        if (!written.contains(e)) {
          add.add(e);
        }
      }
      for (IpsetEntry e : written) {
        if (!index.wantsEntry(e)) {
          unwanted.add(e);
        }
      }
    } else {
      for (IpsetEntry e : touched.get()) {
        boolean want = index.wantsEntry(e);
        boolean have = written.contains(e);
        if (want && !have) {
          add.add(e);
        } else if (!want && have) {
          unwanted.add(e);
        }
      }
    }
    if (add.isEmpty() && setsCreated.containsAll(families)) {
      return true;
    }
    List<IpsetOperation> ops = new ArrayList<>();
    for (boolean v6 : List.of(false, true)) {
      if (families.contains(v6)) {
        for (KubeIpset set : KubeIpset.values()) {
          ops.add(new IpsetOperation.Create(set.definition(v6)));
        }
      }
    }
    // Adds in a stable order; a member that moves between sets is never missing from both, since
    // deletes come later (prune).
    add.sort(null);
    if (!write(ops, add, true)) {
      forgetSets();
      return false;
    }
    setsCreated.addAll(families);
    written.addAll(add);
    return true;
  }

  /**
   * The second half of a sync, after it removed stale virtual servers and addresses: deletes the
   * set members {@link #syncIpsets} kept, and rewrites the chains when a set became empty.
   *
   * @return whether the deletions (if any) were written
   */
  boolean prune(DesiredIndex index) {
    if (unwanted.isEmpty()) {
      return true;
    }
    List<IpsetEntry> delete = new ArrayList<>(unwanted);
    delete.sort(null);
    if (!write(new ArrayList<>(), delete, false)) {
      forgetSets();
      return false;
    }
    unwanted.forEach(written::remove);
    unwanted.clear();
    return syncIptables(index, false, false);
  }

  /**
   * Applies the creates, then adds (or deletes) of these entries, in one batch. Every refused
   * operation, and every entry that is no ipset member, is logged with its set and member; the rest
   * apply.
   *
   * @return whether everything applied
   */
  private boolean write(List<IpsetOperation> ops, List<IpsetEntry> entries, boolean add) {
    List<String> problems = new ArrayList<>();
    for (IpsetEntry e : entries) {
      IpsetMember member;
      try {
        member = IpsetMembers.parse(e);
      } catch (IllegalArgumentException bad) {
        problems.add(bad.getMessage());
        continue;
      }
      ops.add(
          add
              ? new IpsetOperation.Add(e.setName(), member)
              : new IpsetOperation.Delete(e.setName(), member));
    }
    try {
      for (IpsetFailure f : ipset.apply(ops)) {
        problems.add(f.error().getMessage());
      }
    } catch (RuntimeException e) {
      LOG.error("Cannot write the ipsets: {}", e.getMessage());
      return false;
    }
    if (problems.isEmpty()) {
      return true;
    }
    for (String p : problems.subList(0, Math.min(LOGGED_FAILURES, problems.size()))) {
      LOG.error("ipset change refused: {}", p);
    }
    if (problems.size() > LOGGED_FAILURES) {
      LOG.error("... and {} more ipset changes refused", problems.size() - LOGGED_FAILURES);
    }
    return false;
  }

  /**
   * Every member of our sets (both families) as the kernel holds it, or empty when they cannot be
   * read.
   */
  private Optional<Set<IpsetEntry>> readSets() {
    Map<String, KubeIpset> sets = new HashMap<>();
    Map<String, Boolean> families = new HashMap<>();
    for (boolean v6 : List.of(false, true)) {
      for (KubeIpset set : KubeIpset.values()) {
        sets.put(set.setName(v6), set);
        families.put(set.setName(v6), v6);
      }
    }
    Map<String, List<IpsetMember>> members;
    try {
      members = ipset.members(KubeIpset.allSetNames());
    } catch (RuntimeException e) {
      LOG.error("Cannot read the ipsets: {}", e.getMessage());
      return Optional.empty();
    }
    Set<IpsetEntry> out = new HashSet<>();
    members.forEach(
        (name, list) -> {
          for (IpsetMember m : list) {
            out.add(new IpsetEntry(sets.get(name), families.get(name), IpsetMembers.text(m)));
          }
        });
    return Optional.of(out);
  }

  /** After a failed write nothing is known: the next sync reads the sets again. */
  private void forgetSets() {
    written.clear();
    setsCreated.clear();
    unwanted.clear();
  }

  /**
   * The periodic check of the sets, cheap when nothing drifted: one headers-only dump gives each
   * set's size without its members, as {@code ipset list -terse} does. When every set of ours
   * exists and holds as many members as were written, the kernel is taken to hold what was written
   * and only the touched members are diffed (as in an incremental sync). A missing set or another
   * size (members added or removed behind our back) falls back to the full read of {@link
   * #syncIpsets} with an empty {@code touched}, as does {@code deep}. Members replaced by as many
   * others keep the sizes: only a deep check finds them.
   */
  boolean resyncIpsets(DesiredIndex index, Collection<IpsetEntry> touched, boolean deep) {
    unwanted.clear();
    if (deep || setsCreated.isEmpty()) {
      return syncIpsets(index, Optional.empty());
    }
    Map<String, Integer> sizes = new HashMap<>();
    try {
      for (SetHeader h : ipset.headers()) {
        h.entries().ifPresent(n -> sizes.put(h.name(), n));
      }
    } catch (RuntimeException e) {
      LOG.error("Cannot list the ipsets: {}", e.getMessage());
      return false;
    }
    Map<String, Integer> expected = new HashMap<>();
    for (IpsetEntry e : written) {
      expected.merge(e.setName(), 1, Integer::sum);
    }
    for (boolean v6 : setsCreated) {
      for (KubeIpset set : KubeIpset.values()) {
        String name = set.setName(v6);
        Integer have = sizes.get(name);
        int want = expected.getOrDefault(name, 0);
        if (have == null || have != want) {
          LOG.info(
              "ipset {} {} behind our back ({} members written): reading every set",
              name,
              have == null ? "is missing or unsized" : "holds " + have + " members",
              want);
          return syncIpsets(index, Optional.empty());
        }
      }
    }
    return syncIpsets(index, Optional.of(touched));
  }

  /**
   * Writes the chains of each family in use, for the sets as they are in the kernel: the members
   * wanted and those not yet pruned. Full: checks the kernel's rules (adds missing jumps, and
   * rewrites when the rule counts of our chains differ: drift); otherwise writes only when the
   * generated rules changed since the last write. With the legacy backend a full check reads {@code
   * iptables-save} only when the nat or filter table's summary (rule count, blob size, chain
   * offsets, read with one system call) changed since our last read or write, or when {@code deep}.
   */
  boolean syncIptables(DesiredIndex index, boolean full, boolean deep) {
    boolean ok = true;
    for (boolean v6 : families(index)) {
      if (v6 && !runner.exists(backend.restore(true))) {
        if (!warnedNoIp6tables) {
          warnedNoIp6tables = true;
          LOG.warn(
              "IPv6 services but no {}: IPv6 masquerade rules not written", backend.restore(true));
        }
        continue;
      }
      IptablesScript.Input base = input(index, v6, List.of());
      String rules = IptablesScript.restore(base);
      String script = rules;
      boolean write = !rules.equals(lastRules.get(v6));
      boolean read = full || !lastRules.containsKey(v6);
      Optional<List<TableSummary>> summary = Optional.empty();
      if (read) {
        summary = summary(v6);
        if (!deep && !write && summary.isPresent() && summary.equals(summaries.get(v6))) {
          read = false;
        }
      }
      if (read) {
        CommandRunner.Result save = runner.run(List.of(backend.save(v6)), "");
        if (!save.ok()) {
          LOG.error("Cannot read iptables rules: {}", save.describe());
          summaries.remove(v6);
          ok = false;
          continue;
        }
        IptablesSave parsed = IptablesSave.parse(save.stdout());
        warnIfIptablesMode(parsed, v6);
        List<IptablesScript.Jump> missing = parsed.missingJumps();
        if (!missing.isEmpty() || !parsed.matchesRuleCounts(rules)) {
          if (lastRules.containsKey(v6)) {
            LOG.info(
                "{} rules changed behind our back ({} jumps missing): rewriting them",
                v6 ? "ip6tables" : "iptables",
                missing.size());
          }
          write = true;
          script = IptablesScript.restore(input(index, v6, missing));
        }
      }
      if (!write) {
        // Taken before the save that found the rules in order: a change after it shows next time.
        summary.ifPresent(s -> summaries.put(v6, Optional.of(s)));
        continue;
      }
      CommandRunner.Result r = runner.run(List.of(backend.restore(v6), "-w", "--noflush"), script);
      if (!r.ok()) {
        LOG.error("iptables restore failed: {}", r.describe());
        restoreFailures.incrementAndGet();
        lastRules.remove(v6);
        summaries.remove(v6);
        ok = false;
        continue;
      }
      lastRules.put(v6, rules);
      summaries.put(v6, summary(v6));
    }
    return ok;
  }

  /**
   * The nat and filter tables' summaries, with the legacy backend; empty with another backend or
   * when they cannot be read (then iptables-save is read every full sync).
   */
  private Optional<List<TableSummary>> summary(boolean v6) {
    if (!backend.name().equals("legacy")) {
      return Optional.empty();
    }
    try {
      List<TableSummary> out = new ArrayList<>();
      for (String table : List.of("nat", "filter")) {
        Optional<TableSummary> s = LegacyTables.summary(v6, table);
        if (s.isEmpty()) {
          return Optional.empty();
        }
        out.add(s.get());
      }
      return Optional.of(out);
    } catch (RuntimeException e) {
      LOG.debug("Cannot read the legacy tables' summary: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private IptablesScript.Input input(DesiredIndex index, boolean v6, List<IptablesScript.Jump> j) {
    Set<KubeIpset> nonEmpty = EnumSet.noneOf(KubeIpset.class);
    nonEmpty.addAll(index.nonEmptySets(v6));
    for (IpsetEntry e : unwanted) {
      if (e.v6() == v6) {
        nonEmpty.add(e.set());
      }
    }
    Optional<Cidr> cidr =
        clusterCidrs.stream().filter(c -> Addresses.isV6(c.address()) == v6).findFirst();
    return new IptablesScript.Input(
        v6, nonEmpty, masqueradeAll, cidr, index.noNodeAccess(v6), j, randomFully);
  }

  /** IPv4 always; IPv6 when some service has an IPv6 address. */
  static Set<Boolean> families(DesiredIndex index) {
    return index.wantsIpv6Entries() ? Set.of(false, true) : Set.of(false);
  }

  /**
   * kubeadm's configuration says mode "" unless the cluster chose one: kube-proxy then ran its
   * iptables mode, whose rules kipvs does not remove (neither does kube-proxy's IPVS mode). Said
   * once, with what to do.
   */
  private void warnIfIptablesMode(IptablesSave parsed, boolean v6) {
    List<String> left = parsed.iptablesModeChains();
    if (warnedIptablesMode || left.isEmpty()) {
      return;
    }
    warnedIptablesMode = true;
    LOG.warn(
        "{} holds {} chains of kube-proxy's iptables mode ({}{}): they may still reject or"
            + " redirect service traffic; remove them with kube-proxy --cleanup on a drained node"
            + " (deploy/README.md, \"Coming from iptables or nftables mode\")",
        v6 ? "ip6tables" : "iptables",
        left.size(),
        String.join(", ", left.subList(0, Math.min(5, left.size()))),
        left.size() > 5 ? ", ..." : "");
  }
}
