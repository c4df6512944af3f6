package io.kipvs.daemon.proxy;

import dagger.Module;

/**
 * Bindings of the proxier's own parts. The daemon's component adds this module and provides {@link
 * ProxierSettings}, {@link io.kipvs.k8s.ClusterWatch} and a Prometheus registry.
 */
@Module
public interface ProxyModule {}
