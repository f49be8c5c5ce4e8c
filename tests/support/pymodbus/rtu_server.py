#!/usr/bin/python3
"""A pymodbus 3.0 Modbus RTU server (serial line) for integration and fault tests.

Run with /usr/bin/python3 (the interpreter that has Debian's python3-pymodbus and pyserial-asyncio).

    rtu_server.py --port PATH [--baud 9600] [--parity none|even|odd] [--data-bits 8] [--stop-bits 1]
                  (--spec JSON | --spec-file PATH) [--corrupt MODES] [--seed N] [--late-ms N] [--verbose]

PATH is a serial device, typically one end of a socat pty pair. The spec is the one tcp_server.py
takes (one data store per unit id, raw `registers` and/or pymodbus-encoded `values`, optional
per-unit `identity` for FC 43/14); several unit ids share the line, and a request to a unit id not
in the spec gets no answer at all (pymodbus's RTU framer drops it), like a dead slave on RS-485.

--corrupt MODES makes the device misbehave on the line: a comma-separated list of modes applied to
the answers in turn (cycled), each answer built by pymodbus as it would send it and then:

    good          sent as is
    crc           one data bit flipped, the CRC left as it was (a line hit)
    noise-before  random bytes, then the good frame
    noise-after   the good frame, then random bytes
    truncated     the frame without its last 3 bytes
    noise-only    random bytes instead of the answer
    silent        nothing
    late          the good frame, --late-ms (default 450) after the request

--answer-delay-ms N delays every other answer by N ms, as a device's processing time (and the wire
time of a real line, which a pty does not have).

Random bytes come from --seed (default 1), so a run is reproducible. On SIGTERM/SIGINT it prints
`tally {"good": N, "crc": N, ...}` (answers by mode) and exits.

Prints `ready PATH` once the port is open.
"""
import argparse
import asyncio
import json
import logging
import os
import random
import signal
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pymodbus.server.async_io import ModbusSerialServer, ModbusSingleRequestHandler  # noqa: E402
from pymodbus.transaction import ModbusRtuFramer  # noqa: E402
from pymodbus.utilities import computeCRC  # noqa: E402

from tcp_server import build_context  # noqa: E402  pylint: disable=wrong-import-position

MODES = ("good", "crc", "noise-before", "noise-after", "truncated", "noise-only", "silent", "late")
PARITY = {"none": "N", "even": "E", "odd": "O"}


def rtu_packet(response):
    """The RTU frame pymodbus would send for `response`: unit, function, data, CRC (high byte first as computeCRC packs it)."""
    packet = struct.pack(">BB", response.unit_id, response.function_code) + response.encode()
    return packet + struct.pack(">H", computeCRC(packet))


class QuietHandler(ModbusSingleRequestHandler):
    """pymodbus's serial handler, except that an empty answer sends nothing.

    (serial_asyncio's transport asserts on an empty write buffer and then spins; `silent` and `late`
    answers are empty at the time pymodbus would send them.)
    """

    def _send_(self, data):
        if data:
            super()._send_(data)


class Corrupter:  # pylint: disable=too-few-public-methods
    """pymodbus's response_manipulator: returns the bytes to send (skip_encoding) per mode, in turn."""

    def __init__(self, modes, seed, late_ms, delay_ms=0):
        self.modes = modes
        self.delay_s = delay_ms / 1000
        self.random = random.Random(seed)
        self.late_s = late_ms / 1000
        self.count = 0
        self.tally = {mode: 0 for mode in MODES}
        self.server = None

    def noise(self):
        return bytes(self.random.randrange(256) for _ in range(self.random.randint(3, 12)))

    def __call__(self, response):
        mode = self.modes[self.count % len(self.modes)]
        self.count += 1
        self.tally[mode] += 1
        data = self.answer(mode, rtu_packet(response))
        if self.delay_s > 0 and mode != "late" and data:
            asyncio.get_running_loop().call_later(self.delay_s, self.write_late, data)
            return b"", True
        return data, True

    def answer(self, mode, packet):
        """The bytes to send for one answer in `mode` (a late one is scheduled here and nothing returned)."""
        if mode == "good":
            return packet
        if mode == "crc":
            data = bytearray(packet)
            # flip one bit of the data (after unit id and function code, before the CRC)
            index = 2 + self.random.randrange(max(1, len(data) - 4))
            data[index] ^= 1 << self.random.randrange(8)
            return bytes(data)
        if mode == "noise-before":
            return self.noise() + packet
        if mode == "noise-after":
            return packet + self.noise()
        if mode == "truncated":
            return packet[:-3]
        if mode == "noise-only":
            return self.noise()
        if mode == "silent":
            return b""
        if mode == "late":
            loop = asyncio.get_running_loop()
            loop.call_later(self.late_s, self.write_late, packet)
            return b""
        raise ValueError(f"unknown mode {mode}")

    def write_late(self, packet):
        transport = self.server.transport if self.server is not None else None
        if transport is not None:
            transport.write(packet)


async def serve(args, spec):
    context, _ = build_context(spec)
    corrupter = None
    kwargs = {}
    if args.corrupt:
        modes = [m.strip() for m in args.corrupt.split(",") if m.strip()]
        unknown = [m for m in modes if m not in MODES]
        if unknown or not modes:
            raise SystemExit(f"--corrupt: unknown mode(s) {unknown}; modes: {', '.join(MODES)}")
        corrupter = Corrupter(modes, args.seed, args.late_ms, args.answer_delay_ms)
        kwargs["response_manipulator"] = corrupter
    server = ModbusSerialServer(
        context,
        ModbusRtuFramer,
        port=args.port,
        baudrate=args.baud,
        parity=PARITY[args.parity],
        bytesize=args.data_bits,
        stopbits=args.stop_bits,
        timeout=0,
        handler=QuietHandler,
        **kwargs,
    )
    if corrupter is not None:
        corrupter.server = server
    await server.start()
    if server.transport is None:
        raise SystemExit(f"cannot open {args.port}")
    print(f"ready {args.port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if corrupter is not None:
        print("tally " + json.dumps(corrupter.tally), flush=True)
    await server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", required=True, help="serial device, e.g. one end of a socat pty pair")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--parity", choices=sorted(PARITY), default="none")
    parser.add_argument("--data-bits", type=int, default=8)
    parser.add_argument("--stop-bits", type=int, default=1)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--spec", help="the data store as JSON text")
    source.add_argument("--spec-file", help="a file holding the data store as JSON")
    parser.add_argument("--corrupt", help=f"comma-separated answer modes, cycled: {', '.join(MODES)}")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random bytes --corrupt sends")
    parser.add_argument("--late-ms", type=int, default=450, help="delay of a `late` answer")
    parser.add_argument("--answer-delay-ms", type=int, default=0, help="delay of every other answer (with --corrupt)")
    parser.add_argument("--verbose", action="store_true", help="keep pymodbus's log")
    args = parser.parse_args()
    if not args.verbose:
        logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    if args.spec is not None:
        spec = json.loads(args.spec)
    else:
        with open(args.spec_file, encoding="utf-8") as file:
            spec = json.load(file)
    try:
        asyncio.run(serve(args, spec))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
