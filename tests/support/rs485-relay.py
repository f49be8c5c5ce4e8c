#!/usr/bin/python3
"""An RS-485 multi-drop line made of pseudo-terminals, for tests of what a plain pty pair cannot show.

Run with /usr/bin/python3 (standard library only).

    rs485-relay.py --master PATH --drop PATH [--drop PATH ...] [--no-crosstalk]

A pty carries bytes whatever baud rate either end set, so over a socat pair a scan finds every
device at every setting. This relay makes the line honest about the baud rate: it opens one pty for
the bus master's end and one per drop (a device's transceiver), links each slave to the PATH given
(a symlink to /dev/pts/N) and relays with poll():

    bytes written on the master end   -> every drop
    bytes written on a drop           -> the master end and every other drop (a shared pair hears all;
                                         --no-crosstalk: the master end only)

Bytes pass intact only when the sender's and the receiver's framing agree: the baud rate and the
data bits, read from the termios of each pty (through the master fd: Linux keeps the speeds and
CSIZE/CSTOPB that whoever opened the slave set) when the bytes arrive, so a peer that reopens the
line at another rate is seen from its next byte on. Otherwise the bytes are garbled as a UART at
the wrong rate garbles them: the sender's bit stream (start bit, data bits LSB first, stop bits) is
sampled by a receiver at its own rate, which finds start bits on falling edges, samples the middle
of each bit, and reads a framing error (stop bit low) as a NUL byte as Linux does. So a faster
receiver gets more bytes (mostly NULs and 0xF_ values), a slower one fewer, all of them wrong; it
is deterministic (the same chunk at the same pair of rates garbles the same way). On top of that,
garbled bytes never complete a Modbus RTU frame with a valid CRC: for every frame that could end in
them (any start within the 256 bytes the receiver got before), the last byte is changed if the CRC
would hold, so no device answers a garbled request and no master accepts a garbled answer.

Not modelled: parity. The pty driver clears PARENB in the termios it keeps (PARODD and CSTOPB are
kept), so the relay cannot know whether an end set a parity, and it does not pretend to: parity
detection is tested in unit tests against a modelled transport. Stop bits do not decide either
(a UART checks only the first stop bit), nor does a peer's timing (the relay adds no wire time).

Crosstalk is faithful but has a cost a real line does not: the relay adds no wire time, so a device
hears another's answer and the master's next request in one burst, without the silence between them
that a device framing by silence (t3.5) relies on. pymodbus reads the two as one broken frame and drops
both; `edge-agent simulate`, which frames by length and CRC, may slide into the answer's bytes and wait
for a silence that the request then falls into. A test that needs every request answered turns it off.

Each slave stays open in the relay, so a peer closing and reopening its end never makes the master
side read EIO, and termios set by a peer outlive its close, like a serial port's. Bytes for an end
nobody has open wait in its pty (until its queue is full: then they are counted as overflow).

Prints `ready {"master": PATH, "drops": [PATH, ...]}` once every link exists.
On SIGUSR1 prints `tally {...}` and goes on; on SIGTERM/SIGINT prints it, removes its links and exits 0.
The tally counts the sender's bytes per direction ("master>drop1", "drop2>master", "drop1>drop2"; drops
numbered from 1 in the order given): {"passed": n, "garbled": n, "delivered": n, "overflow": n}: the bytes
that passed intact, those that arrived garbled, the bytes written to the receiver (what it can read), and
those its queue had no room for. Directions without traffic are left out.
Bad arguments (a PATH that exists, a missing directory): one line on stderr, exit 2.
"""
import argparse
import json
import os
import re
import select
import signal
import sys
import termios
import tty

# Linux termios speed constants (B9600, ...) -> bits per second
SPEEDS = {getattr(termios, name): int(name[1:]) for name in dir(termios) if re.fullmatch(r"B\d+", name)}
DATA_BITS = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}
MAX_FRAME = 256  # a Modbus RTU frame's longest form (serial line spec §2.5.1)


def crc_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC_TABLE = crc_table()


class Framing:  # pylint: disable=too-few-public-methods
    """What a UART on one end of a pty is set to, as far as the pty keeps it."""

    def __init__(self, baud, data_bits, stop_bits):
        self.baud = baud
        self.data_bits = data_bits
        self.stop_bits = stop_bits

    @classmethod
    def of(cls, fd, direction):
        """The framing of the pty behind master `fd`: its output speed for a sender, input speed for a receiver."""
        _, _, cflag, _, ispeed, ospeed, _ = termios.tcgetattr(fd)
        speed = ospeed if direction == "out" else ispeed
        return cls(SPEEDS.get(speed, 0), DATA_BITS[cflag & termios.CSIZE], 2 if cflag & termios.CSTOPB else 1)

    def understands(self, sender):
        return self.baud == sender.baud and self.data_bits == sender.data_bits and self.baud > 0


def bit_stream(data, framing):
    bits = []
    for byte in data:
        bits.append(0)
        bits.extend((byte >> i) & 1 for i in range(framing.data_bits))
        bits.extend([1] * framing.stop_bits)
    return bits


def resample(data, sender, receiver):
    """The bytes a UART set to `receiver` reads from `data` sent with `sender`'s framing, the line idle before and after."""
    if sender.baud <= 0 or receiver.baud <= 0:
        return b""  # a hung-up end (B0) sends and hears nothing
    bits = bit_stream(data, sender)
    # time in units of 1 / (2 * sender.baud * receiver.baud) s, so every instant below is an integer
    sender_bit, receiver_bit, half = 2 * receiver.baud, 2 * sender.baud, sender.baud

    def level(t):
        k = t // sender_bit
        return bits[k] if k < len(bits) else 1

    edges = [k * sender_bit for k in range(len(bits)) if bits[k] == 0 and (k == 0 or bits[k - 1] == 1)]
    out = bytearray()
    after = -1
    for t0 in edges:
        if t0 <= after:
            continue  # the receiver was still busy with a character
        if level(t0 + half):
            after = t0 + half  # too short for a start bit
            continue
        value = 0
        for j in range(receiver.data_bits):
            value |= level(t0 + half + (j + 1) * receiver_bit) << j
        stop_at = t0 + half + (receiver.data_bits + 1) * receiver_bit
        out.append(value if level(stop_at) else 0)  # framing error: read as NUL
        after = stop_at
    return bytes(out)


class FrameGuard:
    """Keeps garbled bytes from completing a Modbus RTU frame with a valid CRC at one receiver.

    A device resynchronising byte by byte may start a frame anywhere in the last MAX_FRAME bytes it
    got, so the CRC of every run of them is kept as bytes arrive: `lagged` holds the CRCs of the runs
    that end just before the latest byte `last` (a frame ending in a new byte x has `last` as its CRC
    low byte and x as its high byte). Intact bytes are only noted, and taken in when garbled ones come.
    """

    def __init__(self):
        self.lagged = []
        self.last = None
        self.unseen = bytearray()

    def passed(self, data):
        self.unseen += data
        if len(self.unseen) >= MAX_FRAME:
            # nothing before these can be part of a frame that ends after them
            del self.unseen[:-MAX_FRAME]
            self.lagged, self.last = [], None

    def garbled(self, data):
        """`data` with a byte changed wherever a frame ending there would carry a valid CRC."""
        for byte in self.unseen:
            self.take(byte)
        self.unseen.clear()
        out = bytearray()
        for byte in data:
            if self.last is not None:
                # runs of at least two bytes (unit and function) before the CRC
                forbidden = {crc >> 8 for crc in self.lagged[:-1] if crc & 0xFF == self.last}
                if byte in forbidden:
                    byte = next(byte ^ d for d in range(1, 256) if byte ^ d not in forbidden)
            self.take(byte)
            out.append(byte)
        return bytes(out)

    def take(self, byte):
        last = self.last
        if last is not None:
            self.lagged = [(crc >> 8) ^ CRC_TABLE[(crc ^ last) & 0xFF] for crc in self.lagged[-(MAX_FRAME - 3):]]
            self.lagged.append((0xFFFF >> 8) ^ CRC_TABLE[(0xFFFF ^ last) & 0xFF])
        self.last = byte


class End:  # pylint: disable=too-few-public-methods
    """One pty of the bus: its master fd (ours), its slave (kept open) and the link to it."""

    def __init__(self, name, link):
        self.name = name
        self.link = link
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no line editing until a peer sets its own mode
        os.set_blocking(self.master, False)
        self.guard = FrameGuard()
        os.symlink(os.ttyname(self.slave), link)

    def receive(self, data):
        """Queue `data` for whoever reads this end; returns the count that did not fit."""
        try:
            written = os.write(self.master, data) if data else 0
        except BlockingIOError:
            written = 0
        return len(data) - written


class Bus:
    def __init__(self, master_link, drop_links, crosstalk=True):
        self.crosstalk = crosstalk
        self.ends = []
        try:
            self.ends.append(End("master", master_link))
            for i, link in enumerate(drop_links, start=1):
                self.ends.append(End(f"drop{i}", link))
        except BaseException:
            self.unlink()
            raise
        self.by_fd = {end.master: end for end in self.ends}
        self.tally = {}

    def hearers(self, sender):
        if sender.name == "master":
            return self.ends[1:]
        return [end for end in self.ends if end is not sender and (self.crosstalk or end.name == "master")]

    def count(self, sender, receiver, what, n):
        if n:
            counts = self.tally.setdefault(f"{sender.name}>{receiver.name}", {"passed": 0, "garbled": 0, "delivered": 0, "overflow": 0})
            counts[what] += n

    def relay(self, sender):
        try:
            data = os.read(sender.master, 4096)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        sent_with = Framing.of(sender.master, "out")
        for receiver in self.hearers(sender):
            heard_with = Framing.of(receiver.master, "in")
            if heard_with.understands(sent_with):
                out = data
                receiver.guard.passed(out)
                self.count(sender, receiver, "passed", len(data))
            else:
                out = receiver.guard.garbled(resample(data, sent_with, heard_with))
                self.count(sender, receiver, "garbled", len(data))
            lost = receiver.receive(out)
            self.count(sender, receiver, "delivered", len(out) - lost)
            self.count(sender, receiver, "overflow", lost)

    def run(self):
        poller = select.poll()
        for end in self.ends:
            poller.register(end.master, select.POLLIN)
        while True:
            for fd, _ in poller.poll():
                self.relay(self.by_fd[fd])

    def unlink(self):
        for end in self.ends:
            try:
                os.unlink(end.link)
            except FileNotFoundError:
                pass


class Stop(Exception):
    pass


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--master", required=True, help="where to link the bus master's end")
    parser.add_argument("--drop", action="append", required=True, help="where to link a device's end (repeatable)")
    parser.add_argument("--no-crosstalk", dest="crosstalk", action="store_false", help="drops do not hear each other")
    args = parser.parse_args(argv)
    links = [args.master, *args.drop]
    for link in links:
        if os.path.lexists(link):
            parser.exit(2, f"rs485-relay: {link} exists already\n")
        if not os.path.isdir(os.path.dirname(os.path.abspath(link))):
            parser.exit(2, f"rs485-relay: no directory for {link}\n")
    if len(set(map(os.path.abspath, links))) != len(links):
        parser.exit(2, "rs485-relay: every end needs its own path\n")
    return args


def main(argv=None):
    args = parse(argv)
    bus = Bus(args.master, args.drop, args.crosstalk)

    def print_tally(*_):
        print("tally " + json.dumps(bus.tally), flush=True)

    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGUSR1, print_tally)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        print("ready " + json.dumps({"master": args.master, "drops": args.drop}), flush=True)
        bus.run()
    except Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        bus.unlink()
    print_tally()
    return 0


if __name__ == "__main__":
    sys.exit(main())
