#!/usr/bin/python3
"""One device of a test RS-485 bus: rtu_server.py, plus what telling different devices apart needs.

Run with /usr/bin/python3 (the interpreter that has Debian's python3-pymodbus).

    rtu_device.py (the arguments of rtu_server.py)

The spec is rtu_server.py's (tcp_server.py build_context), with two more keys per unit:

    "refuse": [17, 43]   function codes this unit answers with exception 01 (illegal function), as a
                         device without Report Server ID / Read Device Identification does (pymodbus
                         would otherwise answer both for every unit, with its own identity)
    "drift": [{"table": "holding", "address": 0, "type": "float32", "order": "CDAB",
               "value": 0.73, "amplitude": 0.02, "periodS": 60}]
                         a number that moves slowly, as a live reading does: encoded like a `values`
                         item again before every read, value + amplitude * sin(2 pi t / periodS),
                         t in seconds since the start (so it reads `value` at first)

Frames are found as a device on a real line finds them, which rtu_server.py's pymodbus framer does not
quite do without the line's silences (a pty, the RS-485 relay): a complete frame for another unit is
skipped alone (pymodbus drops its whole buffer, and with it a request of ours that came in the same
read), and bytes that do not make a frame with a valid CRC are skipped one at a time until one does
(pymodbus drops them all, again with whatever request follows in the same read). And a frame does
not span a silence: bytes held when more come after SILENCE_S are dropped (pymodbus keeps them, so
garbage that looks like the start of a long frame swallows requests until it is long enough).

Only 17 and 43 may be refused. Prints `ready PATH` once the port is open; exits on SIGTERM/SIGINT.
"""
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rtu_server  # noqa: E402  pylint: disable=wrong-import-position
import tcp_server  # noqa: E402  pylint: disable=wrong-import-position
from pymodbus.mei_message import ReadDeviceInformationRequest  # noqa: E402
from pymodbus.other_message import ReportSlaveIdRequest  # noqa: E402
from pymodbus.pdu import ModbusExceptions  # noqa: E402
from pymodbus.transaction import ModbusRtuFramer  # noqa: E402

REFUSABLE = {17: ReportSlaveIdRequest, 43: ReadDeviceInformationRequest}
STORE = {"coil": "c", "discrete": "d", "holding": "h", "input": "i"}


# t3.5 is at most 4 ms at 9600 baud and 32 ms at 1200, but a pty delivers in bursts: like the simulator, allow 20 ms
SILENCE_S = 0.02


class LineFramer(ModbusRtuFramer):
    """pymodbus's RTU framer, skipping only what is not for us instead of everything it holds."""

    last_data = 0.0

    def processIncomingPacket(self, data, callback, unit, **kwargs):  # pylint: disable=arguments-differ
        units = unit if isinstance(unit, (list, tuple)) else [unit]
        now = time.monotonic()
        if now - self.last_data > SILENCE_S:
            self.resetFrame()
        self.last_data = now
        self.addToFrame(data)
        while self.isFrameReady():
            if not self.checkFrame():
                # resynchronise on the next byte
                self._buffer = self._buffer[1:]
                self._header = {"uid": 0x00, "len": 0, "crc": b"\x00\x00"}
            elif self._validate_unit_id(units, kwargs.get("single", False)):
                self._process(callback)
            else:
                self.advanceFrame()


def refuse(request_class):
    """Let a slave context carrying `refused` (function codes) answer `request_class` with illegal function."""
    original = request_class.execute

    def execute(self, context=None):
        if self.function_code in getattr(context, "refused", ()):
            return self.doException(ModbusExceptions.IllegalFunction)
        return original(self, context)

    request_class.execute = execute


def drift(slave, items):
    """Re-encode each drifting item of `slave` before every read of it."""
    started = time.monotonic()
    original = slave.getValues

    def get_values(fc_as_hex, address, count=1):
        elapsed = time.monotonic() - started
        for item in items:
            value = item["value"] + item.get("amplitude", 0) * math.sin(2 * math.pi * elapsed / item.get("periodS", 60))
            slave.store[STORE[item["table"]]].setValues(int(item["address"]), tcp_server.encode({**item, "value": value}))
        return original(fc_as_hex, address, count)

    slave.getValues = get_values


def build_context(spec):
    context, image = tcp_server.build_context(spec)
    for unit, unit_spec in spec["units"].items():
        slave = context[int(unit)]
        refused = [int(code) for code in unit_spec.get("refuse", [])]
        unknown = [code for code in refused if code not in REFUSABLE]
        if unknown:
            raise SystemExit(f"unit {unit}: cannot refuse function code(s) {unknown}; only {sorted(REFUSABLE)}")
        if 43 in refused and "identity" in unit_spec:
            raise SystemExit(f"unit {unit}: an identity for FC 43 and FC 43 refused")
        slave.refused = refused
        if unit_spec.get("drift"):
            drift(slave, unit_spec["drift"])
    return context, image


for request in REFUSABLE.values():
    refuse(request)
# rtu_server.serve builds its data store and frames with these
rtu_server.build_context = build_context
rtu_server.ModbusRtuFramer = LineFramer

if __name__ == "__main__":
    sys.exit(rtu_server.main())
