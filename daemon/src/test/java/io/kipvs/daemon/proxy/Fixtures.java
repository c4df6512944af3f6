package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.k8s.Cidr;
import io.kipvs.k8s.Endpoint;
import io.kipvs.k8s.L4Protocol;
import io.kipvs.k8s.ServiceName;
import io.kipvs.k8s.ServicePort;
import io.kipvs.k8s.ServicePortName;
import io.kipvs.k8s.TrafficPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Values for tests, built directly. */
final class Fixtures {
  private Fixtures() {}

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(s, e);
    }
  }

  static Cidr cidr(String s) {
    String[] p = s.split("/");
    return new Cidr(ip(p[0]), Integer.parseInt(p[1]));
  }

  static Endpoint ep(String address, int port, boolean local) {
    return new Endpoint(
        ip(address),
        port,
        true,
        true,
        false,
        Optional.of(local ? "node-a" : "node-b"),
        Optional.empty(),
        local);
  }

  /** A builder of ServicePort values with ClusterIP defaults. */
  static final class Port {
    ServiceName service = new ServiceName("default", "web");
    String portName = "http";
    L4Protocol protocol = L4Protocol.TCP;
    List<InetAddress> clusterIps = List.of(ip("10.96.0.10"));
    int port = 80;
    OptionalInt nodePort = OptionalInt.empty();
    List<InetAddress> externalIps = List.of();
    List<InetAddress> lbIps = List.of();
    List<Cidr> sourceRanges = List.of();
    OptionalInt affinity = OptionalInt.empty();
    TrafficPolicy external = TrafficPolicy.CLUSTER;
    TrafficPolicy internal = TrafficPolicy.CLUSTER;
    OptionalInt healthCheck = OptionalInt.empty();
    Optional<String> scheduler = Optional.empty();
    List<Endpoint> endpoints = List.of();
    List<Endpoint> externalEndpoints = null;
    boolean hasAny = true;

    ServicePort build() {
      return new ServicePort(
          new ServicePortName(service, portName, protocol),
          clusterIps,
          port,
          nodePort,
          externalIps,
          lbIps,
          sourceRanges,
          affinity,
          external,
          internal,
          healthCheck,
          Optional.empty(),
          scheduler,
          endpoints,
          externalEndpoints == null ? endpoints : externalEndpoints,
          hasAny);
    }
  }

  static VirtualServerKey tcp(String address, int port) {
    return new VirtualServerKey.Address(Protocol.TCP, ip(address), port);
  }

  static VirtualServerKey udp(String address, int port) {
    return new VirtualServerKey.Address(Protocol.UDP, ip(address), port);
  }

  static RealServer rs(String address, int port, int weight) {
    return new RealServer(
        new RealServerKey(ip(address), port), RealServerSettings.masquerade(weight));
  }

  static RealServerStatus rsStatus(String address, int port, int weight, int active, int inactive) {
    return new RealServerStatus(rs(address, port, weight), active, inactive, 0, Stats.ZERO);
  }

  static VirtualServerStatus vsStatus(
      VirtualServerKey key, String scheduler, RealServerStatus... reals) {
    return new VirtualServerStatus(
        new VirtualServer(key, VirtualServerSettings.of(scheduler, key.family())),
        Stats.ZERO,
        List.of(reals));
  }
}
