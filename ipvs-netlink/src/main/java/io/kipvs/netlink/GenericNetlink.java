package io.kipvs.netlink;

import io.kipvs.ipvs.NetlinkException;
import java.util.List;
import java.util.Optional;

/** Generic netlink's controller: resolves a family name to the message type it uses. */
public final class GenericNetlink {
  private static final int CTRL_VERSION = 2;

  private GenericNetlink() {}

  /** Writes CTRL_CMD_GETFAMILY for this family name. */
  public static void encodeGetFamily(MessageWriter writer, int flags, int seq, String name) {
    int start = writer.beginMessage(Netlink.GENL_ID_CTRL, flags, seq);
    writer.genlHeader(Netlink.CTRL_CMD_GETFAMILY, CTRL_VERSION);
    writer.string(Netlink.CTRL_ATTR_FAMILY_NAME, name);
    writer.endMessage(start);
  }

  /** The family id in a CTRL_CMD_NEWFAMILY reply. */
  public static int decodeFamilyId(Message message) {
    Attributes attributes =
        message.attributes(
            Netlink.GENL_HEADER_LENGTH, Netlink.CTRL_ATTR_FAMILY_NAME, "CTRL_CMD_NEWFAMILY");
    return attributes.u16(Netlink.CTRL_ATTR_FAMILY_ID);
  }

  /** The family's id, or empty if the kernel has no such family (ENOENT). */
  public static Optional<Integer> resolveFamily(NetlinkConnection connection, String name) {
    try {
      List<Integer> ids =
          connection.request(
              (w, flags, seq) -> encodeGetFamily(w, flags, seq, name),
              () -> "CTRL_CMD_GETFAMILY " + name,
              GenericNetlink::decodeFamilyId);
      if (ids.isEmpty()) {
        throw new NetlinkDecodeException("CTRL_CMD_GETFAMILY " + name, "no reply before the ack");
      }
      return Optional.of(ids.get(0));
    } catch (NetlinkException e) {
      if (e.errno() == Sys.ENOENT) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
