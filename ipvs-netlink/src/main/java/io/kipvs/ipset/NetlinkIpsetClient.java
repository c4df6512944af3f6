package io.kipvs.ipset;

import io.kipvs.ipvs.NetlinkException;
import io.kipvs.netlink.MessageWriter;
import io.kipvs.netlink.Netlink;
import io.kipvs.netlink.NetlinkConnection;
import io.kipvs.netlink.NetlinkOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** {@link IpsetClient} over one NETLINK_NETFILTER socket; calls serialised on it. */
final class NetlinkIpsetClient implements IpsetClient {
  /**
   * Members per add/del message: the largest member (hash:ip,port,net of IPv6) takes 76 bytes, so a
   * message stays under 3 KiB, within the batch's per-message headroom.
   */
  static final int MEMBERS_PER_MESSAGE = 32;

  private final NetlinkConnection connection;
  private final Map<String, Integer> revisions = new HashMap<>();

  private NetlinkIpsetClient(NetlinkConnection connection) {
    this.connection = connection;
  }

  static IpsetClient open() {
    return new NetlinkIpsetClient(
        NetlinkConnection.open(Netlink.NETLINK_NETFILTER, NetlinkOptions.defaults()));
  }

  /** Operations sent in one message: one create or destroy, or adds or deletes of one set. */
  record Chunk(List<IpsetOperation> operations) {
    IpsetOperation first() {
      return operations.get(0);
    }
  }

  @Override
  public List<IpsetFailure> apply(List<IpsetOperation> operations) {
    List<IpsetFailure> failures = new ArrayList<>();
    Map<IpsetDefinition, Integer> createRevisions = new HashMap<>();
    List<IpsetOperation> sendable = new ArrayList<>();
    for (IpsetOperation op : operations) {
      if (op instanceof IpsetOperation.Create c) {
        try {
          createRevisions.put(c.definition(), revision(c.definition()));
        } catch (NetlinkException e) {
          failures.add(new IpsetFailure(op, IpsetErrors.refused(e, op)));
          continue;
        }
      }
      sendable.add(op);
    }
    List<Chunk> chunks = chunks(sendable, MEMBERS_PER_MESSAGE);
    NetlinkException[] errors = send(chunks, createRevisions);
    // The kernel stops a message at its first refused member, so the members of a refused
    // message go again one per message: the others apply, and each refused one is named.
    List<IpsetOperation> retry = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (errors[i] == null) {
        continue;
      }
      Chunk chunk = chunks.get(i);
      if (chunk.operations().size() == 1) {
        failures.add(
            new IpsetFailure(chunk.first(), IpsetErrors.refused(errors[i], chunk.first())));
      } else {
        retry.addAll(chunk.operations());
      }
    }
    if (!retry.isEmpty()) {
      List<Chunk> single = chunks(retry, 1);
      NetlinkException[] again = send(single, createRevisions);
      for (int i = 0; i < single.size(); i++) {
        if (again[i] != null) {
          IpsetOperation op = single.get(i).first();
          failures.add(new IpsetFailure(op, IpsetErrors.refused(again[i], op)));
        }
      }
    }
    if (failures.size() > 1) {
      List<IpsetFailure> ordered = new ArrayList<>(failures.size());
      Map<IpsetOperation, IpsetFailure> byOperation = new LinkedHashMap<>();
      failures.forEach(f -> byOperation.putIfAbsent(f.operation(), f));
      for (IpsetOperation op : operations) {
        IpsetFailure f = byOperation.remove(op);
        if (f != null) {
          ordered.add(f);
        }
      }
      return ordered;
    }
    return failures;
  }

  private NetlinkException[] send(List<Chunk> chunks, Map<IpsetDefinition, Integer> revisions) {
    return connection.batch(
        chunks.size(),
        new NetlinkConnection.BatchEncoder() {
          @Override
          public void encode(int index, MessageWriter w, int flags, int seq) {
            Chunk chunk = chunks.get(index);
            IpsetOperation first = chunk.first();
            if (first instanceof IpsetOperation.Create c) {
              IpsetCodec.create(w, flags, seq, c.definition(), revisions.get(c.definition()));
              return;
            }
            if (first instanceof IpsetOperation.Destroy) {
              IpsetCodec.destroy(w, flags, seq, first.setName());
              return;
            }
            List<IpsetMember> members = new ArrayList<>(chunk.operations().size());
            for (IpsetOperation op : chunk.operations()) {
              members.add(
                  op instanceof IpsetOperation.Add a
                      ? a.member()
                      : ((IpsetOperation.Delete) op).member());
            }
            IpsetCodec.members(
                w, flags, seq, first instanceof IpsetOperation.Add, first.setName(), members);
          }

          @Override
          public String describe(int index) {
            Chunk chunk = chunks.get(index);
            int more = chunk.operations().size() - 1;
            return chunk.first().describe() + (more > 0 ? " and " + more + " more" : "");
          }
        });
  }

  /** Splits operations into messages: consecutive adds (or deletes) of one set share one. */
  static List<Chunk> chunks(List<IpsetOperation> operations, int membersPerMessage) {
    List<Chunk> chunks = new ArrayList<>();
    List<IpsetOperation> current = new ArrayList<>();
    for (IpsetOperation op : operations) {
      boolean joins =
          !current.isEmpty()
              && (op instanceof IpsetOperation.Add || op instanceof IpsetOperation.Delete)
              && current.size() < membersPerMessage
              && current.get(0).getClass() == op.getClass()
              && current.get(0).setName().equals(op.setName());
      if (!joins && !current.isEmpty()) {
        chunks.add(new Chunk(List.copyOf(current)));
        current.clear();
      }
      current.add(op);
    }
    if (!current.isEmpty()) {
      chunks.add(new Chunk(List.copyOf(current)));
    }
    return chunks;
  }

  /**
   * The revision to create a set of this type with: the kernel's newest for the type and family, as
   * the ipset binary picks it when it knows that revision. Asked once per type and family.
   */
  private int revision(IpsetDefinition definition) {
    int family = IpsetCodec.family(definition);
    String key = definition.typeName() + "/" + family;
    Integer known = revisions.get(key);
    if (known != null) {
      return known;
    }
    List<Integer> replies =
        connection.request(
            (w, f, s) -> IpsetCodec.typeQuery(w, f, s, definition.typeName(), family),
            () -> "IPSET_CMD_TYPE " + definition.typeName() + " family " + family,
            IpsetCodec::decodeTypeRevision);
    if (replies.isEmpty()) {
      throw new NetlinkException(
          0,
          java.util.Optional.empty(),
          "IPSET_CMD_TYPE " + definition.typeName(),
          "the kernel did not say which revisions of " + definition.typeName() + " it has");
    }
    revisions.put(key, replies.get(0));
    return replies.get(0);
  }

  @Override
  public List<SetHeader> headers() {
    return connection.dump(
        (w, f, s) -> IpsetCodec.list(w, f, s, null, true),
        () -> "IPSET_CMD_LIST headers",
        IpsetCodec::decodeHeader);
  }

  @Override
  public Map<String, List<IpsetMember>> members(Collection<String> setNames) {
    Map<String, List<IpsetMember>> out = new LinkedHashMap<>();
    for (String name : setNames) {
      List<IpsetMember> members = new ArrayList<>();
      IpsetCodec.MemberDecoder decoder = new IpsetCodec.MemberDecoder(name);
      try {
        connection.dump(
            (w, f, s) -> {
              members.clear();
              IpsetCodec.list(w, f, s, name, false);
            },
            () -> "IPSET_CMD_LIST " + name,
            m -> {
              decoder.decode(m, members);
              return null;
            });
      } catch (NetlinkException e) {
        if (e.errno() == IpsetWire.ENOENT) {
          continue;
        }
        throw e;
      }
      out.put(name, members);
    }
    return out;
  }

  @Override
  public OptionalLong systemCalls() {
    return OptionalLong.of(connection.systemCalls());
  }

  @Override
  public void close() {
    connection.close();
  }
}
