package io.kipvs.daemon.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kipvs.daemon.http.DebugServer;
import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipset.IpsetMember;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.ClusterWatch;
import io.kipvs.k8s.ServiceExplanation;
import io.kipvs.k8s.ServiceName;
import io.kipvs.rtnl.RouteNetlinkClient;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.inject.Inject;
import javax.inject.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code kipvs explain} in the daemon: the service as the cluster watch explains it, the
 * rules the sync would write for it, and the kernel read now, on the request's thread with netlink
 * sockets of its own (one IPVS dump, one address dump, one read of the ipsets), so that the sync
 * loop does no work for it.
 */
public final class Explainer implements DebugServer.Source {
  private static final Logger LOG = LoggerFactory.getLogger(Explainer.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ProxierSettings settings;
  private final ClusterWatch watch;
  private final SyncHealth health;
  private final Provider<IpvsClient> ipvsClients;
  private final Provider<RouteNetlinkClient> routeClients;
  private final Provider<IpsetClient> ipsetClients;
  private final Clock clock;

  @Inject
  public Explainer(
      ProxierSettings settings,
      ClusterWatch watch,
      SyncHealth health,
      Provider<IpvsClient> ipvsClients,
      Provider<RouteNetlinkClient> routeClients,
      Provider<IpsetClient> ipsetClients,
      Clock clock) {
    this.settings = settings;
    this.watch = watch;
    this.health = health;
    this.ipvsClients = ipvsClients;
    this.routeClients = routeClients;
    this.ipsetClients = ipsetClients;
    this.clock = clock;
  }

  @Override
  public DebugServer.Answer explain(Optional<String> service, boolean json) {
    List<ServiceExplanation> explanations;
    if (service.isPresent()) {
      Optional<ServiceName> name = ServiceName.parse(service.get());
      if (name.isEmpty()) {
        return new DebugServer.Answer(400, "not a NAMESPACE/SERVICE: '" + service.get() + "'\n");
      }
      Optional<ServiceExplanation> one = watch.explain(name.get());
      if (one.isEmpty()) {
        return new DebugServer.Answer(
            404,
            "service " + name.get() + " not found: neither kipvs nor the API server knows it\n");
      }
      explanations = List.of(one.get());
    } else {
      explanations = watch.explainAll();
    }
    List<ExplainReport> reports = reports(explanations);
    if (json) {
      try {
        Object body = service.isPresent() ? reports.get(0) : reports;
        return new DebugServer.Answer(200, JSON.writeValueAsString(body) + "\n");
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write the report as JSON: " + e, e);
      }
    }
    StringBuilder text = new StringBuilder();
    for (ExplainReport r : reports) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(r.text());
    }
    if (reports.isEmpty()) {
      text.append("no service\n");
    }
    return new DebugServer.Answer(200, text.toString());
  }

  private List<ExplainReport> reports(List<ServiceExplanation> explanations) {
    List<String> notes = new ArrayList<>();
    if (!watch.hasSynced()) {
      notes.add(
          "kipvs has not listed the cluster yet (informers not synced): what it wants is"
              + " incomplete");
    }
    Instant now = clock.instant();
    notes.add(
        health
            .lastUpdated()
            .map(t -> "last sync " + Duration.between(t, now).toMillis() / 1000.0 + " s ago")
            .orElse("no sync completed yet"));
    boolean anyPorts = explanations.stream().anyMatch(e -> !e.ports().isEmpty());
    KubeIpvs0.NodeAddresses addresses;
    ExplainReport.Kernel kernel;
    if (anyPorts) {
      try (RouteNetlinkClient rtnl = routeClients.get()) {
        KubeIpvs0 link = new KubeIpvs0(rtnl);
        if (!link.find()) {
          notes.add(KubeIpvs0.NAME + " does not exist");
        }
        addresses =
            link.read(settings.nodePortAddresses(), settings.scheduler(), settings.nodeIp());
      }
      List<VirtualServerStatus> ipvs;
      try (IpvsClient client = ipvsClients.get()) {
        ipvs = client.dumpAll();
      }
      Map<String, Set<String>> sets = new java.util.HashMap<>();
      try (IpsetClient client = ipsetClients.get()) {
        for (var e : client.members(KubeIpset.allSetNames()).entrySet()) {
          Set<String> members = new HashSet<>();
          for (IpsetMember m : e.getValue()) {
            members.add(IpsetMembers.text(m));
          }
          sets.put(e.getKey(), members);
        }
      }
      kernel = new ExplainReport.Kernel(ipvs, addresses.kubeIpvs0(), sets);
    } else {
      addresses = null;
      kernel = new ExplainReport.Kernel(List.of(), Set.<InetAddress>of(), Map.of());
    }
    List<ExplainReport> reports = new ArrayList<>();
    for (ServiceExplanation e : explanations) {
      reports.add(
          ExplainReport.of(
              e,
              settings.nodeName(),
              addresses == null ? null : addresses.context(),
              kernel,
              notes));
    }
    LOG.debug("explained {} services", reports.size());
    return reports;
  }
}
