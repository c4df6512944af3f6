package io.kipvs.daemon.proxy;

import dagger.Module;
import dagger.Provides;
import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.rtnl.RouteNetlinkClient;
import java.time.Clock;

/**
 * Bindings of the proxier's own parts. The daemon's component adds this module and provides {@link
 * ProxierSettings}, {@link io.kipvs.k8s.ClusterWatch} and a Prometheus registry.
 *
 * <p>The netlink clients are unscoped: each {@code Provider.get()} opens a socket of its own (the
 * proxier opens one for its sync loop and one for its drain loop), and opening happens only when
 * the proxier starts, so that a kernel without IPVS is reported by {@link Proxier#start()}.
 */
@Module
public interface ProxyModule {
  @Provides
  static IpvsClient ipvsClient() {
    return IpvsClient.open();
  }

  @Provides
  static RouteNetlinkClient routeNetlinkClient() {
    return RouteNetlinkClient.open();
  }

  @Provides
  static IpsetClient ipsetClient() {
    return IpsetClient.open();
  }

  @Provides
  static Clock clock() {
    return Clock.systemUTC();
  }
}
