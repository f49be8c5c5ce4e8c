#!/usr/bin/python3
"""Read points from a Modbus server with pymodbus 3.0's synchronous clients and decode them with
pymodbus's own BinaryPayloadDecoder, independently of the product's codecs.

Run with /usr/bin/python3 (the interpreter that has Debian's python3-pymodbus).

    read_client.py --tcp HOST:PORT (--points JSON | --points-file PATH)
    read_client.py --rtu /dev/pts/N [--baud 9600] [--parity N|E|O] (--points JSON | --points-file PATH)

Each point:
    {"unit": 1, "table": "holding"|"input"|"coil"|"discrete", "address": 0, "count": 2,
     "decode": {"type": "float32", "order": "CDAB", "scale": 0.1, "offset": 0, "decimals": 0}}

or, for Read Device Identification (FC 43 / MEI 14):
    {"unit": 1, "table": "device-id", "code": 2, "object": 0}
    -> {"ok": true, "conformity": n, "moreFollows": n, "objects": {"0": "vendor", "1": "product code", ...}}
    (code 1 basic, 2 regular, 3 extended, 4 one object; follow-up requests are made while more follows)

`decode` is optional. Types: uint16, int16, uint32, int32, float32, float64 (BinaryPayloadDecoder with
byteorder/wordorder from the order: ABCD big/big, CDAB big/little, BADC little/big, DCBA little/little),
string (decode_string; BADC/DCBA swap the two characters of each register; NULs and trailing
spaces stripped), bit (with "bit": n, bit n of the first register), bool (the first coil/discrete bit).
Scaling: value * scale / 10**decimals + offset, for numbers only.

Prints one JSON line: {"results": [{"ok": true, "registers": [...]|"bits": [...], "value": ...}
| {"ok": false, "error": "..."}]}, in the order of the points.
"""
import argparse
import json
import logging
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.constants import Endian
from pymodbus.mei_message import ReadDeviceInformationRequest
from pymodbus.payload import BinaryPayloadDecoder
from pymodbus.transaction import ModbusRtuFramer

ORDERS = {
    "ABCD": (Endian.Big, Endian.Big),
    "CDAB": (Endian.Big, Endian.Little),
    "BADC": (Endian.Little, Endian.Big),
    "DCBA": (Endian.Little, Endian.Little),
}
PARITY = {"none": "N", "even": "E", "odd": "O", "N": "N", "E": "E", "O": "O"}


def decode(spec, registers):
    kind = spec["type"]
    order = spec.get("order", "ABCD")
    byteorder, wordorder = ORDERS[order]
    if kind == "bit":
        return (registers[0] >> int(spec.get("bit", 0))) & 1 == 1
    # NB: fromRegisters defaults to byteorder=Little; always pass both orders explicitly
    decoder = BinaryPayloadDecoder.fromRegisters(list(registers), byteorder=byteorder, wordorder=wordorder)
    if kind == "string":
        raw = decoder.decode_string(len(registers) * 2)
        if order in ("BADC", "DCBA"):
            raw = b"".join(raw[i + 1 : i + 2] + raw[i : i + 1] for i in range(0, len(raw), 2))
        return raw.decode("ascii").rstrip("\0 ")
    value = {
        "uint16": decoder.decode_16bit_uint,
        "int16": decoder.decode_16bit_int,
        "uint32": decoder.decode_32bit_uint,
        "int32": decoder.decode_32bit_int,
        "float32": decoder.decode_32bit_float,
        "float64": decoder.decode_64bit_float,
    }[kind]()
    scale = spec.get("scale", 1)
    offset = spec.get("offset", 0)
    decimals = spec.get("decimals", 0)
    if scale != 1 or offset != 0 or decimals != 0:
        value = value * scale / 10 ** decimals + offset
    return value


def read_device_id(client, unit, code, object_id):
    objects = {}
    conformity = None
    more = 0
    for _ in range(16):  # a device keeps saying "more follows": give up rather than loop forever
        try:
            # request classes take unit=; only the client helpers take slave=
            response = client.execute(ReadDeviceInformationRequest(code, object_id, unit=unit))
        except Exception as exc:  # pylint: disable=broad-except
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        if response is None or response.isError():
            return {"ok": False, "error": str(response)}
        conformity = response.conformity
        more = response.more_follows
        for oid, data in response.information.items():
            objects[str(oid)] = data.decode("utf-8", "replace") if isinstance(data, bytes) else [d.decode("utf-8", "replace") for d in data]
        if not more or code == 4:
            break
        object_id = response.next_object_id
    return {"ok": True, "conformity": conformity, "moreFollows": more, "objects": objects}


def read_point(client, point):
    unit = int(point.get("unit", 1))
    table = point["table"]
    if table == "device-id":
        return read_device_id(client, unit, int(point.get("code", 1)), int(point.get("object", 0)))
    address = int(point["address"])
    count = int(point.get("count", 1))
    reader = {
        "holding": client.read_holding_registers,
        "input": client.read_input_registers,
        "coil": client.read_coils,
        "discrete": client.read_discrete_inputs,
    }[table]
    try:
        response = reader(address, count, slave=unit)
    except Exception as exc:  # pylint: disable=broad-except
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if response is None or response.isError():
        return {"ok": False, "error": str(response)}
    result = {"ok": True}
    if table in ("coil", "discrete"):
        bits = [bool(b) for b in response.bits[:count]]
        result["bits"] = bits
        if point.get("decode"):
            result["value"] = bits[0]
    else:
        result["registers"] = list(response.registers)
        if point.get("decode"):
            try:
                result["value"] = decode(point["decode"], response.registers)
            except Exception as exc:  # pylint: disable=broad-except
                return {"ok": False, "error": f"decode: {type(exc).__name__}: {exc}", "registers": result["registers"]}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--tcp", help="HOST:PORT")
    target.add_argument("--rtu", help="serial device, e.g. /dev/pts/3")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--parity", default="N")
    parser.add_argument("--timeout", type=int, default=2, help="seconds per request (pymodbus 3.0 takes whole seconds)")
    parser.add_argument("--retries", type=int, default=0)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--points", help="the points as JSON text")
    source.add_argument("--points-file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    points = json.loads(args.points) if args.points is not None else json.load(open(args.points_file, encoding="utf-8"))

    if args.tcp:
        host, port = args.tcp.rsplit(":", 1)
        client = ModbusTcpClient(host, port=int(port), timeout=args.timeout, retries=args.retries)
    else:
        client = ModbusSerialClient(
            args.rtu,
            framer=ModbusRtuFramer,
            baudrate=args.baud,
            parity=PARITY[args.parity],
            bytesize=8,
            stopbits=1,
            timeout=args.timeout,
            retries=args.retries,
        )
    if not client.connect():
        print(json.dumps({"error": f"cannot connect to {args.tcp or args.rtu}"}), flush=True)
        return 2
    try:
        results = [read_point(client, p) for p in points]
    finally:
        client.close()
    print(json.dumps({"results": results}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
