package io.kipvs.ipset;

import io.kipvs.ipvs.NetlinkException;
import io.kipvs.netlink.Errno;
import java.util.Map;

/**
 * What ipset's own error numbers mean. The kernel answers ipset requests with errnos above 4096
 * (ip_set.h), and the type-specific ones (from 4352) mean different things for hash and bitmap
 * sets.
 */
final class IpsetErrors {
  private static final Map<Integer, String> GENERIC =
      Map.ofEntries(
          Map.entry(
              4097,
              "IPSET_ERR_PROTOCOL (the kernel rejected the request's attributes: a member of another"
                  + " family than the set's, or of another kind than its type holds)"),
          Map.entry(4098, "IPSET_ERR_FIND_TYPE (the kernel does not know this set type)"),
          Map.entry(4099, "IPSET_ERR_MAX_SETS (no room for more sets)"),
          Map.entry(4100, "IPSET_ERR_BUSY (the set is in use by a kernel component)"),
          Map.entry(4101, "IPSET_ERR_EXIST_SETNAME2 (the second set does not exist)"),
          Map.entry(4102, "IPSET_ERR_TYPE_MISMATCH (the sets' types differ)"),
          Map.entry(4103, "IPSET_ERR_EXIST (already exists)"),
          Map.entry(4104, "IPSET_ERR_INVALID_CIDR (invalid prefix length)"),
          Map.entry(4105, "IPSET_ERR_INVALID_NETMASK (invalid netmask)"),
          Map.entry(4106, "IPSET_ERR_INVALID_FAMILY (the address family does not match the set's)"),
          Map.entry(4107, "IPSET_ERR_TIMEOUT (the set has no timeout support)"),
          Map.entry(4108, "IPSET_ERR_REFERENCED (the set is referenced)"),
          Map.entry(4109, "IPSET_ERR_IPADDR_IPV4 (invalid IPv4 address)"),
          Map.entry(4110, "IPSET_ERR_IPADDR_IPV6 (invalid IPv6 address)"),
          Map.entry(4111, "IPSET_ERR_COUNTER (the set has no counter support)"),
          Map.entry(4112, "IPSET_ERR_COMMENT (the set has no comment support)"),
          Map.entry(4113, "IPSET_ERR_INVALID_MARKMASK (invalid markmask)"),
          Map.entry(4114, "IPSET_ERR_SKBINFO (the set has no skbinfo support)"));

  private static final String[] HASH = {
    "IPSET_ERR_HASH_FULL (the set is full: maxelem reached)",
    "IPSET_ERR_HASH_ELEM (null-valued element)",
    "IPSET_ERR_INVALID_PROTO (invalid protocol)",
    "IPSET_ERR_MISSING_PROTO (the protocol is missing)",
    "IPSET_ERR_HASH_RANGE_UNSUPPORTED (ranges are not supported)",
    "IPSET_ERR_HASH_RANGE (invalid range)"
  };

  private static final String[] BITMAP = {
    "IPSET_ERR_BITMAP_RANGE (the member is outside the set's range)",
    "IPSET_ERR_BITMAP_RANGE_SIZE (the range is too large for the set type)"
  };

  private static final int EEXIST = 17;

  private IpsetErrors() {}

  /**
   * The errno as text.
   *
   * @param bitmap whether the request was about a bitmap set (type-specific errors differ)
   */
  static String describe(int errno, boolean bitmap) {
    if (errno == IpsetWire.ENOENT) {
      return "ENOENT (no such set)";
    }
    if (errno >= IpsetWire.IPSET_ERR_TYPE_SPECIFIC) {
      String[] names = bitmap ? BITMAP : HASH;
      int i = errno - IpsetWire.IPSET_ERR_TYPE_SPECIFIC;
      return i < names.length ? names[i] : "ipset type-specific error " + errno;
    }
    if (errno > IpsetWire.IPSET_ERR_PRIVATE) {
      return GENERIC.getOrDefault(errno, "ipset error " + errno);
    }
    return Errno.describe(errno);
  }

  /** The kernel's refusal of {@code operation}, named and explained. */
  static NetlinkException refused(NetlinkException e, IpsetOperation operation) {
    if (e.errno() == 0) {
      return e;
    }
    boolean bitmap =
        operation instanceof IpsetOperation.Create c
            ? c.definition() instanceof IpsetDefinition.BitmapPort
            : !(operation instanceof IpsetOperation.Destroy)
                && member(operation) instanceof IpsetMember.Port;
    String what = operation.describe();
    StringBuilder text = new StringBuilder(what).append(": ").append(describe(e.errno(), bitmap));
    e.kernelMessage().ifPresent(m -> text.append(": ").append(m));
    if (e.errno() == 1) {
      text.append(" (the process needs CAP_NET_ADMIN)");
    }
    if (e.errno() == EEXIST && operation instanceof IpsetOperation.Create) {
      text.append(": a set of this name exists with another type or other options");
    }
    return new NetlinkException(e.errno(), e.kernelMessage(), what, text.toString());
  }

  private static IpsetMember member(IpsetOperation operation) {
    if (operation instanceof IpsetOperation.Add a) {
      return a.member();
    }
    return ((IpsetOperation.Delete) operation).member();
  }
}
