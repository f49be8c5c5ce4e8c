#!/usr/bin/python3
"""A pymodbus 3.0 Modbus TCP server for interoperability tests and benchmarks.

Run with /usr/bin/python3 (the interpreter that has Debian's python3-pymodbus).

    tcp_server.py --port PORT [--host 127.0.0.1] (--spec JSON | --spec-file PATH) [--dump] [--verbose]

The spec describes one data store per unit id:

    {"units": {"1": {
        "registers": {"holding": {"0": [1, 2, 3]}, "input": {...}, "coil": {"0": [1, 0]}, "discrete": {...}},
        "values": [
          {"table": "holding", "address": 10, "type": "float32", "value": 1.5, "order": "CDAB"},
          {"table": "holding", "address": 20, "type": "string", "value": "AB", "byteorder": "little", "wordorder": "big"}
        ]}}}

`registers` are raw register images (start address -> consecutive values).
An optional `"identity": {"vendorName": ..., "productCode": ..., "revision": ..., "vendorUrl": ...,
"productName": ..., "modelName": ...}` per unit is what that unit answers to FC 43/14 (Read Device
Identification); units without one keep pymodbus's own behaviour (its one server-wide identity).
`values` are encoded with pymodbus's own BinaryPayloadBuilder, one builder per value, so a value
never shifts the next one (the builder pads only the end of its whole payload). The order is
either `order` (ABCD, CDAB, BADC, DCBA) or `byteorder`/`wordorder` ("big"/"little"):
ABCD = byte big/word big, CDAB = byte big/word little, BADC = byte little/word big,
DCBA = byte little/word little.

Addresses are protocol (zero-based) addresses: the slave contexts use zero_mode=True, so
address 0 is block index 0 (pymodbus would otherwise add 1 to every address).

Prints `image {json}` (with --dump: the registers after encoding) and then `ready PORT` once listening
(PORT is the bound port, useful with --port 0). Exits on SIGTERM/SIGINT.

Unit ids not in the spec get no answer at all: pymodbus 3.0's framer drops requests for unknown
units before they reach the data store.
"""
import argparse
import asyncio
import collections
import json
import logging
import signal
import sys
import types

from pymodbus.constants import Endian
from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
    ModbusSparseDataBlock,
)
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server.async_io import ModbusTcpServer
from pymodbus.transaction import ModbusSocketFramer

# FC 43/14 object ids of the identity keys (Modbus application protocol v1.1b3 table of objects)
IDENTITY_OBJECTS = {
    "vendorName": 0x00,
    "productCode": 0x01,
    "revision": 0x02,
    "vendorUrl": 0x03,
    "productName": 0x04,
    "modelName": 0x05,
    "userApplicationName": 0x06,
}

TABLES = {"coil": "co", "discrete": "di", "holding": "hr", "input": "ir"}
ORDERS = {
    "ABCD": (Endian.Big, Endian.Big),
    "CDAB": (Endian.Big, Endian.Little),
    "BADC": (Endian.Little, Endian.Big),
    "DCBA": (Endian.Little, Endian.Little),
}
ENDIAN = {"big": Endian.Big, "little": Endian.Little}


def orders_of(item):
    """(byteorder, wordorder) of a value spec."""
    if "order" in item:
        return ORDERS[item["order"]]
    return ENDIAN[item.get("byteorder", "big")], ENDIAN[item.get("wordorder", "big")]


def encode(item):
    """Registers of one value, built by BinaryPayloadBuilder."""
    byteorder, wordorder = orders_of(item)
    builder = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    kind, value = item["type"], item["value"]
    add = {
        "uint16": builder.add_16bit_uint,
        "int16": builder.add_16bit_int,
        "uint32": builder.add_32bit_uint,
        "int32": builder.add_32bit_int,
        "uint64": builder.add_64bit_uint,
        "int64": builder.add_64bit_int,
        "float32": builder.add_32bit_float,
        "float64": builder.add_64bit_float,
        "string": builder.add_string,
    }.get(kind)
    if add is None:
        raise ValueError(f"unknown type {kind}")
    add(value)
    registers = builder.to_registers()
    length = item.get("length")  # pad a string to its register count
    if length is not None:
        if len(registers) > length:
            raise ValueError(f"{value!r} needs {len(registers)} registers, more than length {length}")
        registers = registers + [0] * (length - len(registers))
    return registers


_IDENTITIES_INSTALLED = False


def install_unit_identities():
    """Let each unit answer FC 43/14 with its own identity.

    pymodbus 3.0 answers Read Device Identification from one process-wide control block (and
    ModbusDeviceIdentification keeps its objects in a dict shared by every instance), so a bus of
    several different devices cannot be described with it. This wraps the request's execute: a
    slave context carrying `unit_identity` (object id -> text) answers with it; any other keeps
    pymodbus's behaviour.
    """
    global _IDENTITIES_INSTALLED  # pylint: disable=global-statement
    if _IDENTITIES_INSTALLED:
        return
    _IDENTITIES_INSTALLED = True
    from pymodbus import mei_message  # pylint: disable=import-outside-toplevel
    from pymodbus.device import DeviceInformationFactory  # pylint: disable=import-outside-toplevel

    original = mei_message.ReadDeviceInformationRequest.execute

    def execute(self, context):
        objects = getattr(context, "unit_identity", None)
        if objects is None:
            return original(self, context)
        if not 0x00 <= self.object_id <= 0xFF or not 0x00 <= self.read_code <= 0x04:
            return original(self, context)
        control = types.SimpleNamespace(Identity=objects)
        information = DeviceInformationFactory.get(control, self.read_code, self.object_id)
        return mei_message.ReadDeviceInformationResponse(self.read_code, information)

    mei_message.ReadDeviceInformationRequest.execute = execute


def build_context(spec):
    slaves = {}
    image = {}
    for unit, unit_spec in spec["units"].items():
        tables = {name: {} for name in TABLES}
        for table, starts in unit_spec.get("registers", {}).items():
            for start, values in starts.items():
                for i, value in enumerate(values):
                    tables[table][int(start) + i] = int(value)
        for item in unit_spec.get("values", []):
            for i, word in enumerate(encode(item)):
                tables[item["table"]][int(item["address"]) + i] = word
        blocks = {}
        for table, values in tables.items():
            addresses = sorted(values)
            if addresses and addresses[-1] - addresses[0] + 1 == len(addresses):
                # one contiguous run: a sequential block is much cheaper to validate than a sparse one
                blocks[TABLES[table]] = ModbusSequentialDataBlock(addresses[0], [values[a] for a in addresses])
            else:
                # sparse: addresses not in the image answer "illegal data address" (an empty table refuses everything)
                blocks[TABLES[table]] = ModbusSparseDataBlock(values)
        slaves[int(unit)] = ModbusSlaveContext(zero_mode=True, **blocks)
        if "identity" in unit_spec:
            install_unit_identities()
            objects = collections.defaultdict(str)
            for key, value in unit_spec["identity"].items():
                objects[IDENTITY_OBJECTS[key]] = str(value)
            # read by the patched ReadDeviceInformationRequest.execute below
            slaves[int(unit)].unit_identity = objects
        image[unit] = {t: {str(a): v[a] for a in sorted(v)} for t, v in tables.items() if v}
    return ModbusServerContext(slaves=slaves, single=False), image


async def serve(args, spec):
    context, image = build_context(spec)
    server = ModbusTcpServer(
        context,
        ModbusSocketFramer,
        None,
        (args.host, args.port),
        allow_reuse_address=True,
    )
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    port = server.server.sockets[0].getsockname()[1]
    if args.dump:
        print("image " + json.dumps(image), flush=True)
    print(f"ready {port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    done, _ = await asyncio.wait({task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if task in done and task.exception() is not None:
        raise task.exception()
    await server.shutdown()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0 lets the OS pick one")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--spec", help="the data store as JSON text")
    source.add_argument("--spec-file", help="a file holding the data store as JSON")
    parser.add_argument("--dump", action="store_true", help="print the encoded register image before the ready line")
    parser.add_argument("--verbose", action="store_true", help="keep pymodbus's error log (closed connections, unknown units)")
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
