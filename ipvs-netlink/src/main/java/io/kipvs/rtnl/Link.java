package io.kipvs.rtnl;

import java.util.Optional;

/**
 * A network interface.
 *
 * @param index the kernel's interface index
 * @param name the interface name, e.g. "kube-ipvs0"
 * @param up whether IFF_UP is set
 * @param kind the link kind from IFLA_INFO_KIND (e.g. "dummy", "veth"), if the kernel reports one
 */
public record Link(int index, String name, boolean up, Optional<String> kind) {}
