package io.kipvs.daemon.proxy;

import io.kipvs.k8s.Cidr;
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
 * writes of a sync: what new services need before they go live ({@link #prepare}), what removed
 * ones left after they are gone ({@link #prune}). Each step runs one {@code ipset restore} and one
 * {@code iptables-restore --noflush} per family at most, only when something changed. Remembers
 * what it wrote so that an incremental sync diffs only the touched members.
 */
final class Netfilter {
  private static final Logger LOG = LoggerFactory.getLogger(Netfilter.class);
  private final CommandRunner runner;
  private final IptablesBackend backend;
  private final boolean masqueradeAll;
  private final List<Cidr> clusterCidrs;
  private final Set<IpsetEntry> written = new HashSet<>();
  // Members prepare() found no longer wanted, which prune() deletes.
  private final List<IpsetEntry> unwanted = new ArrayList<>();
  private final Map<Boolean, String> lastRules = new HashMap<>();
  private final Set<Boolean> setsCreated = new HashSet<>();
  private boolean warnedNoIp6tables;

  Netfilter(
      CommandRunner runner,
      IptablesBackend backend,
      boolean masqueradeAll,
      List<Cidr> clusterCidrs) {
    this.runner = runner;
    this.backend = backend;
    this.masqueradeAll = masqueradeAll;
    this.clusterCidrs = List.copyOf(clusterCidrs);
  }

  IptablesBackend backend() {
    return backend;
  }

  /**
   * The first half of a sync, before it binds addresses or writes IPVS: creates the sets, adds the
   * members the index wants and writes the chains for them. A service is live as soon as its
   * address is bound and its virtual server has real servers; from then on every connection to it
   * needs these rules (the node's own connections need the masquerade rule from their first packet:
   * conntrack never looks at the nat table again, so a connection made without it stays
   * blackholed). Members no longer wanted are kept until {@link #prune}, which the sync calls once
   * the services they served are gone. Full: reads {@code ipset save} first (repairs drift);
   * otherwise only the touched members are compared with what was written.
   *
   * @return whether the sets and chains were written
   */
  boolean prepare(DesiredIndex index, Optional<Collection<IpsetEntry>> touched, boolean full) {
    boolean ok = addToIpsets(index, touched);
    return syncIptables(index, full) && ok;
  }

  /**
   * The second half of a sync, after it removed stale virtual servers and addresses: deletes the
   * set members {@link #prepare} kept and rewrites the chains when a set became empty.
   *
   * @return whether the deletions (if any) were written
   */
  boolean prune(DesiredIndex index) {
    if (unwanted.isEmpty()) {
      return true;
    }
    String script = IpsetScript.restore(Set.of(), List.of(), unwanted);
    CommandRunner.Result r = runner.run(List.of("ipset", "-exist", "restore"), script);
    if (!r.ok()) {
      LOG.error("ipset restore failed: {}", r.describe());
      forgetSets();
      return false;
    }
    unwanted.forEach(written::remove);
    unwanted.clear();
    return syncIptables(index, false);
  }

  private boolean addToIpsets(DesiredIndex index, Optional<Collection<IpsetEntry>> touched) {
    Set<Boolean> families = families(index);
    List<IpsetEntry> add = new ArrayList<>();
    unwanted.clear();
    if (touched.isEmpty()) {
      CommandRunner.Result save = runner.run(List.of("ipset", "save"), "");
      if (!save.ok()) {
        LOG.error("Cannot read the ipsets: {}", save.describe());
        forgetSets();
        return false;
      }
      written.clear();
      written.addAll(IpsetScript.parseSave(save.stdout()));
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
    String script = IpsetScript.restore(families, add, List.of());
    CommandRunner.Result r = runner.run(List.of("ipset", "-exist", "restore"), script);
    if (!r.ok()) {
      LOG.error("ipset restore failed: {}", r.describe());
      forgetSets();
      return false;
    }
    setsCreated.addAll(families);
    written.addAll(add);
    return true;
  }

  /** After a failed write nothing is known: the next sync reads the sets again (full). */
  private void forgetSets() {
    written.clear();
    setsCreated.clear();
    unwanted.clear();
  }

  /**
   * Writes the chains of each family in use, for the sets as they are in the kernel (the members
   * wanted and those not yet pruned). Full: reads iptables-save, adds missing jumps, and rewrites
   * when the rule counts of our chains differ (drift); otherwise writes only when the generated
   * rules changed since the last write.
   */
  private boolean syncIptables(DesiredIndex index, boolean full) {
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
      if (full || !lastRules.containsKey(v6)) {
        CommandRunner.Result save = runner.run(List.of(backend.save(v6)), "");
        if (!save.ok()) {
          LOG.error("Cannot read iptables rules: {}", save.describe());
          ok = false;
          continue;
        }
        IptablesSave parsed = IptablesSave.parse(save.stdout());
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
        continue;
      }
      CommandRunner.Result r = runner.run(List.of(backend.restore(v6), "-w", "--noflush"), script);
      if (!r.ok()) {
        LOG.error("iptables restore failed: {}", r.describe());
        lastRules.remove(v6);
        ok = false;
        continue;
      }
      lastRules.put(v6, rules);
    }
    return ok;
  }

  private IptablesScript.Input input(DesiredIndex index, boolean v6, List<IptablesScript.Jump> j) {
    Set<KubeIpset> nonEmpty = EnumSet.noneOf(KubeIpset.class);
    for (IpsetEntry e : index.entries()) {
      if (e.v6() == v6) {
        nonEmpty.add(e.set());
      }
    }
    for (IpsetEntry e : unwanted) {
      if (e.v6() == v6) {
        nonEmpty.add(e.set());
      }
    }
    List<ServiceRules.NoNodeAccess> noNodeAccess = new ArrayList<>();
    for (ServiceRules r : index.services()) {
      for (ServiceRules.NoNodeAccess n : r.noNodeAccess()) {
        if (Addresses.isV6(n.address()) == v6) {
          noNodeAccess.add(n);
        }
      }
    }
    noNodeAccess.sort(
        (a, b) ->
            (Addresses.text(a.address()) + "/" + a.protocol() + "/" + a.port())
                .compareTo(Addresses.text(b.address()) + "/" + b.protocol() + "/" + b.port()));
    Optional<Cidr> cidr =
        clusterCidrs.stream().filter(c -> Addresses.isV6(c.address()) == v6).findFirst();
    return new IptablesScript.Input(v6, nonEmpty, masqueradeAll, cidr, noNodeAccess, j);
  }

  /** IPv4 always; IPv6 when some service has an IPv6 address. */
  static Set<Boolean> families(DesiredIndex index) {
    Set<Boolean> f = new HashSet<>();
    f.add(false);
    for (IpsetEntry e : index.entries()) {
      if (e.v6()) {
        f.add(true);
        break;
      }
    }
    return f;
  }
}
