#!/usr/bin/env python3
"""Records the kernel's raw rtnetlink replies that RtnetlinkCodecRecordedRepliesTest decodes.

Run as root inside a throwaway network namespace that holds eth0 (02:00:00:00:00:0a, 198.51.100.11/24, up), e.g.:

  unshare -n sh -c 'ip link set lo up &&
    ip link add eth0 address 02:00:00:00:00:0a type veth peer name peer0 &&
    ip addr add 198.51.100.11/24 dev eth0 && ip link set peer0 up && ip link set eth0 up &&
    python3 record_replies.py OUTPUT_DIRECTORY'

The socket is set up as RtnetlinkSocket sets up its own (EXT_ACK, CAP_ACK, GET_STRICT_CHK) and the requests have the
layout of RtnetlinkCodec's (docs/linux.md#golden-vectors), built here independently with struct.
"""
import os
import platform
import socket
import struct
import sys

SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK = 270, 10, 11, 12
RTM_GETLINK, RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 18, 20, 21, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
REQUEST, ACK, EXCL, CREATE, DUMP = 0x1, 0x4, 0x200, 0x400, 0x300
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST = 1, 2, 3, 4
IFLA_IFNAME = 3
AF_INET = 2


def attribute(kind, data):
    return struct.pack("=HH", 4 + len(data), kind) + data + b"\0" * (-len(data) % 4)


def message(kind, flags, seq, body):
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def address(kind, flags, seq, index, ip, prefix, label=None, broadcast=None):
    raw = socket.inet_aton(ip)
    body = struct.pack("=BBBBI", AF_INET, prefix, 0, 0, index) + attribute(IFA_LOCAL, raw) + attribute(IFA_ADDRESS, raw)
    if broadcast:
        body += attribute(IFA_BROADCAST, socket.inet_aton(broadcast))
    if label:
        body += attribute(IFA_LABEL, label.encode() + b"\0")
    return message(kind, flags, seq, body)


def exchange(sock, request):
    """Sends the request; returns the datagrams received up to the one holding its NLMSG_ERROR or NLMSG_DONE."""
    seq = struct.unpack_from("=I", request, 8)[0]
    sock.send(request)
    datagrams = []
    while True:
        datagram = sock.recv(32768)
        datagrams.append(datagram)
        offset = 0
        while offset + 16 <= len(datagram):
            length, kind, _, reply_seq = struct.unpack_from("=IHHI", datagram, offset)
            if reply_seq == seq and kind in (NLMSG_ERROR, NLMSG_DONE):
                return datagrams
            offset += (length + 3) & ~3


def save(directory, name, description, datagrams):
    with open(os.path.join(directory, name), "w") as out:
        out.write("# Raw rtnetlink reply recorded from a real kernel by record_replies.py (see its docstring for the command),\n")
        out.write("# Linux %s %s, in a throwaway network namespace (unshare -n) holding eth0 = 02:00:00:00:00:0a 198.51.100.11/24.\n"
                  % (platform.release(), platform.machine()))
        out.write("# Request: %s\n" % description)
        out.write("# Host byte order: %s-endian. One block per datagram; offset 0000 starts the next one.\n" % sys.byteorder)
        for number, datagram in enumerate(datagrams, 1):
            out.write("\n# datagram %d: %d bytes\n" % (number, len(datagram)))
            for offset in range(0, len(datagram), 16):
                out.write("%04x: %s\n" % (offset, " ".join("%02x" % b for b in datagram[offset:offset + 16])))


def main(directory):
    index = socket.if_nametoindex("eth0")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((0, 0))
    for option in (NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK):
        sock.setsockopt(SOL_NETLINK, option, 1)
    create = REQUEST | ACK | EXCL | CREATE

    vip24 = address(RTM_NEWADDR, create, 1, index, "198.51.100.100", 24, "eth0:1", "198.51.100.255")
    save(directory, "newaddr-ack.hex", "seq 1 RTM_NEWADDR 198.51.100.100/24 brd 198.51.100.255 label eth0:1 on eth0 (index %d)"
         % index, exchange(sock, vip24))
    exchange(sock, address(RTM_NEWADDR, create, 2, index, "198.51.100.100", 32))
    save(directory, "newaddr-eexist.hex", "seq 3 the RTM_NEWADDR of seq 1 again (198.51.100.100/24 is already there)",
         exchange(sock, vip24[:8] + struct.pack("=I", 3) + vip24[12:]))
    save(directory, "newaddr-label-erange.hex", "seq 4 RTM_NEWADDR 198.51.100.101/24 label eth0:123456789ab (16 characters)",
         exchange(sock, address(RTM_NEWADDR, create, 4, index, "198.51.100.101", 24, "eth0:123456789ab")))
    save(directory, "deladdr-eaddrnotavail.hex", "seq 5 RTM_DELADDR 198.51.100.200/24 (not configured) from eth0",
         exchange(sock, address(RTM_DELADDR, REQUEST | ACK, 5, index, "198.51.100.200", 24)))
    save(directory, "getlink-eth0.hex", "seq 6 RTM_GETLINK REQUEST|ACK IFLA_IFNAME eth0",
         exchange(sock, message(RTM_GETLINK, REQUEST | ACK, 6, bytes(16) + attribute(IFLA_IFNAME, b"eth0\0"))))
    save(directory, "getlink-enodev.hex", "seq 7 RTM_GETLINK REQUEST|ACK IFLA_IFNAME nosuch0 (no such interface)",
         exchange(sock, message(RTM_GETLINK, REQUEST | ACK, 7, bytes(16) + attribute(IFLA_IFNAME, b"nosuch0\0"))))
    save(directory, "getaddr-dump.hex", "seq 8 RTM_GETADDR dump AF_INET ifa_index %d (eth0), after seq 1 and seq 2 added "
         "198.51.100.100/24 label eth0:1 and 198.51.100.100/32" % index,
         exchange(sock, message(RTM_GETADDR, REQUEST | DUMP, 8, struct.pack("=BBBBI", AF_INET, 0, 0, 0, index))))


if __name__ == "__main__":
    main(sys.argv[1])
