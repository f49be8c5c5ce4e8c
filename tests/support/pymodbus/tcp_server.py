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
import json
import logging
import signal
import sys

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
