package io.kipvs.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The attributes of one level of a netlink message, indexed by type. Parsing validates every
 * length: a zero, short or overlong attribute is a {@link NetlinkDecodeException}, never a loop or
 * an index error. Types above {@code maxType} are skipped (newer kernels add attributes).
 */
public final class Attributes {
  private ByteBuffer buffer;
  private final int[] offsets;
  private final int[] lengths;
  private final String context;

  /**
   * An empty table for attribute types up to {@code maxType}, to be filled by {@link #reset}; a
   * decoder that reads many messages reuses one table per nesting level instead of allocating.
   */
  public Attributes(int maxType, String context) {
    this.offsets = new int[maxType + 1];
    this.lengths = new int[maxType + 1];
    Arrays.fill(offsets, -1);
    this.context = context;
  }

  /** Parses the attributes in {@code buffer[offset, offset + length)} into this table. */
  public Attributes reset(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    Arrays.fill(offsets, -1);
    fill(this, buffer, offset, length);
    return this;
  }

  /** Parses the attributes nested in attribute {@code type} of {@code parent} into this table. */
  public Attributes resetNested(Attributes parent, int type) {
    int offset = parent.at(type, 0);
    return reset(parent.buffer, offset, parent.lengths[type]);
  }

  /** Parses the attributes after a message's fixed header into this table. */
  public Attributes resetFrom(Message message, int fixedLength) {
    message.requirePayload(fixedLength, context);
    return reset(
        message.buffer(),
        message.payloadOffset() + fixedLength,
        message.payloadLength() - fixedLength);
  }

  /**
   * Parses the attributes in {@code buffer[offset, offset + length)}.
   *
   * @param context what is being decoded, for error messages (e.g. "IPVS service")
   */
  public static Attributes parse(
      ByteBuffer buffer, int offset, int length, int maxType, String context) {
    return new Attributes(maxType, context).reset(buffer, offset, length);
  }

  private static void fill(Attributes attributes, ByteBuffer buffer, int offset, int length) {
    String context = attributes.context;
    int maxType = attributes.offsets.length - 1;
    int end = offset + length;
    if (offset < 0 || length < 0 || end > buffer.limit()) {
      throw new NetlinkDecodeException(
          context, "attribute area [" + offset + ", " + end + ") beyond " + buffer.limit());
    }
    int position = offset;
    while (end - position >= Netlink.ATTR_HEADER_LENGTH) {
      int attrLength = buffer.getShort(position) & 0xffff;
      int type = buffer.getShort(position + 2) & Netlink.NLA_TYPE_MASK;
      if (attrLength < Netlink.ATTR_HEADER_LENGTH) {
        throw new NetlinkDecodeException(
            context,
            "attribute of type " + type + " at offset " + position + " has length " + attrLength);
      }
      if (attrLength > end - position) {
        throw new NetlinkDecodeException(
            context,
            "attribute of type "
                + type
                + " at offset "
                + position
                + " claims "
                + attrLength
                + " bytes, only "
                + (end - position)
                + " left");
      }
      if (type <= maxType) {
        attributes.offsets[type] = position + Netlink.ATTR_HEADER_LENGTH;
        attributes.lengths[type] = attrLength - Netlink.ATTR_HEADER_LENGTH;
      }
      position += Netlink.align(attrLength);
    }
    if (end - position > 0) {
      throw new NetlinkDecodeException(
          context, (end - position) + " trailing bytes after the last attribute");
    }
  }

  public boolean has(int type) {
    return type < offsets.length && offsets[type] >= 0;
  }

  public int u8(int type) {
    return buffer.get(at(type, 1)) & 0xff;
  }

  public int u16(int type) {
    return buffer.getShort(at(type, 2)) & 0xffff;
  }

  /** A 16-bit value in network byte order. */
  public int u16be(int type) {
    int offset = at(type, 2);
    return ((buffer.get(offset) & 0xff) << 8) | (buffer.get(offset + 1) & 0xff);
  }

  /** A 32-bit value in network byte order. */
  public int u32be(int type) {
    int offset = at(type, 4);
    return ((buffer.get(offset) & 0xff) << 24)
        | ((buffer.get(offset + 1) & 0xff) << 16)
        | ((buffer.get(offset + 2) & 0xff) << 8)
        | (buffer.get(offset + 3) & 0xff);
  }

  public int u32(int type) {
    return buffer.getInt(at(type, 4));
  }

  public long u64(int type) {
    return buffer.getLong(at(type, 8));
  }

  public int u8(int type, int absent) {
    return has(type) ? u8(type) : absent;
  }

  public int u16(int type, int absent) {
    return has(type) ? u16(type) : absent;
  }

  public int u32(int type, int absent) {
    return has(type) ? u32(type) : absent;
  }

  public long u64(int type, long absent) {
    return has(type) ? u64(type) : absent;
  }

  /** A string attribute, up to its first NUL. */
  public String string(int type) {
    int offset = at(type, 0);
    int length = lengths[type];
    int end = offset;
    while (end < offset + length && buffer.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - offset];
    buffer.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Whether string attribute {@code type}, up to its first NUL, is these bytes: a decoder that sees
   * the same string many times keeps one String instead of making one per message.
   */
  public boolean stringEquals(int type, byte[] expected) {
    int offset = at(type, 0);
    int length = lengths[type];
    int i = 0;
    while (i < length && buffer.get(offset + i) != 0) {
      if (i >= expected.length || buffer.get(offset + i) != expected[i]) {
        return false;
      }
      i++;
    }
    return i == expected.length;
  }

  public byte[] bytes(int type) {
    int offset = at(type, 0);
    byte[] bytes = new byte[lengths[type]];
    buffer.get(offset, bytes);
    return bytes;
  }

  /** The first {@code length} bytes (4 or 16) of an address attribute. */
  public InetAddress address(int type, int length) {
    int offset = at(type, length);
    byte[] bytes = new byte[length];
    buffer.get(offset, bytes);
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new NetlinkDecodeException(context, "bad address length " + length);
    }
  }

  /** The attributes nested in attribute {@code type}. */
  public Attributes nested(int type, int maxType, String nestedContext) {
    int offset = at(type, 0);
    return parse(buffer, offset, lengths[type], maxType, nestedContext);
  }

  /**
   * Where the payload of attribute {@code type} starts in {@link #buffer()}: for attributes that
   * repeat inside it, which a table indexed by type cannot hold.
   */
  public int offset(int type) {
    return at(type, 0);
  }

  public ByteBuffer buffer() {
    return buffer;
  }

  public int length(int type) {
    at(type, 0);
    return lengths[type];
  }

  private int at(int type, int minimumLength) {
    if (!has(type)) {
      throw new NetlinkDecodeException(context, "attribute " + type + " missing");
    }
    if (lengths[type] < minimumLength) {
      throw new NetlinkDecodeException(
          context,
          "attribute " + type + " has " + lengths[type] + " bytes, " + minimumLength + " expected");
    }
    return offsets[type];
  }
}
