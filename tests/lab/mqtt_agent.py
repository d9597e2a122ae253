"""An MQTT subscriber that runs inside a lab namespace and prints JSON lines.

The test process lives in the root namespace and cannot reach the lab broker, so it starts
this with `ip netns exec`:
  watch HOST PORT TOPIC              {"subscribed": true}, then one line per message, until killed
  retained HOST PORT TOPIC [--wait]  one object {topic: payload} of the retained messages
Payloads that are JSON are decoded. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import aiomqtt


def decode(payload) -> object:
    text = payload.decode() if isinstance(payload, bytes | bytearray) else payload
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


async def watch(host: str, port: int, topic: str) -> None:
    async with aiomqtt.Client(host, port, timeout=5) as client:
        await client.subscribe(topic, qos=1)
        print(json.dumps({"subscribed": True}), flush=True)
        async for msg in client.messages:
            line = {
                "t": time.monotonic(),
                "topic": str(msg.topic),
                "retain": msg.retain,
                "payload": decode(msg.payload),
            }
            print(json.dumps(line), flush=True)


async def retained(host: str, port: int, topic: str, wait: float) -> None:
    found = {}
    async with aiomqtt.Client(host, port, timeout=5) as client:
        await client.subscribe(topic, qos=1)
        try:
            async with asyncio.timeout(wait):
                async for msg in client.messages:
                    if msg.retain:
                        found[str(msg.topic)] = decode(msg.payload)
        except TimeoutError:
            pass
    print(json.dumps(found), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("watch", "retained"))
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("topic")
    parser.add_argument("--wait", type=float, default=0.3)
    args = parser.parse_args()
    try:
        if args.mode == "watch":
            asyncio.run(watch(args.host, args.port, args.topic))
        else:
            asyncio.run(retained(args.host, args.port, args.topic, args.wait))
    except aiomqtt.MqttError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
