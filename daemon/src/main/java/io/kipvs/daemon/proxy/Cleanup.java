package io.kipvs.daemon.proxy;

import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipset.IpsetFailure;
import io.kipvs.ipset.IpsetOperation;
import io.kipvs.ipset.SetHeader;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsUnavailableException;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.rtnl.RouteNetlinkClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import javax.inject.Inject;
import javax.inject.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --cleanup: removes what kipvs (or kube-proxy in IPVS mode) made: the virtual servers outside
 * --ipvs-exclude-cidrs, kube-ipvs0, the iptables chains and jumps (both backends, both families),
 * then the ipsets. Whatever is already gone is skipped, so it can run any number of times.
 */
public final class Cleanup {
  private static final Logger LOG = LoggerFactory.getLogger(Cleanup.class);
  private static final int EINVAL = 22;
  private static final int EPROTONOSUPPORT = 93;
  private final ProxierSettings settings;
  private final Provider<IpvsClient> ipvsClients;
  private final Provider<RouteNetlinkClient> routeClients;
  private final Provider<IpsetClient> ipsetClients;
  private final CommandRunner runner;

  @Inject
  public Cleanup(
      ProxierSettings settings,
      Provider<IpvsClient> ipvsClients,
      Provider<RouteNetlinkClient> routeClients,
      Provider<IpsetClient> ipsetClients,
      CommandRunner runner) {
    this.settings = settings;
    this.ipvsClients = ipvsClients;
    this.routeClients = routeClients;
    this.ipsetClients = ipsetClients;
    this.runner = runner;
  }

  /**
   * Removes everything; returns normally when all is gone.
   *
   * @throws IllegalStateException naming what could not be removed
   */
  public void run() {
    List<String> problems = new ArrayList<>();
    removeVirtualServers(problems);
    try (RouteNetlinkClient rtnl = routeClients.get()) {
      if (KubeIpvs0.delete(rtnl)) {
        LOG.info("Deleted {}", KubeIpvs0.NAME);
      }
    } catch (NetlinkException e) {
      problems.add("cannot delete " + KubeIpvs0.NAME + ": " + e.getMessage());
    }
    removeChains(problems);
    removeIpsets(problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("cleanup incomplete: " + String.join("; ", problems));
    }
  }

  private void removeVirtualServers(List<String> problems) {
    Predicate<VirtualServerKey> owned = IpvsOwnership.outside(settings.excludeCidrs());
    try (IpvsClient ipvs = ipvsClients.get()) {
      int deleted = 0;
      for (VirtualServerStatus s : ipvs.virtualServers()) {
        VirtualServerKey key = s.server().key();
        if (owned.test(key)) {
          try {
            ipvs.deleteVirtualServer(key);
            deleted++;
          } catch (NetlinkException e) {
            if (e.errno() != 3 && e.errno() != 2) {
              problems.add(
                  "cannot delete virtual server "
                      + Addresses.describe(key)
                      + ": "
                      + e.getMessage());
            }
          }
        }
      }
      LOG.info("Deleted {} IPVS virtual servers", deleted);
    } catch (IpvsUnavailableException e) {
      LOG.info("The kernel has no IPVS: no virtual server to delete");
    } catch (NetlinkException e) {
      if (e.errno() == 1) {
        throw new MissingCapabilityException(e);
      }
      problems.add("cannot read IPVS: " + e.getMessage());
    }
  }

  private void removeChains(List<String> problems) {
    Set<IptablesBackend> backends = new LinkedHashSet<>();
    for (IptablesBackend b :
        List.of(IptablesBackend.legacy(), IptablesBackend.nft(), IptablesBackend.plain())) {
      if (runner.exists(b.save(false))) {
        backends.add(b);
      }
    }
    for (IptablesBackend b : backends) {
      for (boolean v6 : List.of(false, true)) {
        if (!runner.exists(b.save(v6)) || !runner.exists(b.restore(v6))) {
          continue;
        }
        CommandRunner.Result save = runner.run(List.of(b.save(v6)), "");
        if (!save.ok()) {
          // A backend the kernel cannot serve (nft in some kernels) holds nothing of ours.
          LOG.debug("Skipping {}: {}", b.save(v6), save.describe());
          continue;
        }
        String script = IptablesScript.cleanup(IptablesSave.parse(save.stdout()));
        if (script.isEmpty()) {
          continue;
        }
        CommandRunner.Result r = runner.run(List.of(b.restore(v6), "-w", "--noflush"), script);
        if (r.ok()) {
          LOG.info("Removed kube-proxy chains with {}", b.restore(v6));
        } else {
          problems.add(r.describe());
        }
      }
    }
  }

  private void removeIpsets(List<String> problems) {
    try (IpsetClient ipset = ipsetClients.get()) {
      Set<String> present = new HashSet<>();
      for (SetHeader h : ipset.headers()) {
        present.add(h.name());
      }
      List<IpsetOperation> destroys = new ArrayList<>();
      for (String name : KubeIpset.allSetNames()) {
        if (present.contains(name)) {
          destroys.add(new IpsetOperation.Destroy(name));
        }
      }
      if (destroys.isEmpty()) {
        return;
      }
      List<IpsetFailure> failures = ipset.apply(destroys);
      failures.forEach(f -> problems.add(f.error().getMessage()));
      if (failures.isEmpty()) {
        LOG.info("Destroyed the kube-proxy ipsets");
      }
    } catch (NetlinkException e) {
      if (e.errno() == EINVAL || e.errno() == EPROTONOSUPPORT) {
        // No nfnetlink or no ipset subsystem in this kernel: there are no sets to remove.
        LOG.info("The kernel has no ipset support: no ipsets to remove ({})", e.getMessage());
        return;
      }
      problems.add("cannot remove the ipsets: " + e.getMessage());
    }
  }
}
