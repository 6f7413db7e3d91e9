#!/usr/bin/env python3
"""Follow one room's states from SSE Hub with the Python standard library only.

    python3 examples/area_states.py --url http://homeassistant.local:3000 --token TOKEN --area kitchen
    python3 examples/area_states.py --url ... --token ... --entity-id light.kitchen,sensor.kitchen_temperature

Asks for `format=entities` (Home Assistant's compressed states: `a` adds states, `c` changes
them, `r` removes entities) with `fields=state` by default, prints `<entity_id>: <state>` for
every state that changes, and reconnects with `Last-Event-ID` after a drop, so nothing is missed.
On MicroPython, replace http.client by a socket and keep the rest.
"""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


def apply(states, message):
    """Applies one a/c/r message to `states`; returns the ids whose state changed."""
    changed = []
    for entity_id, compressed in message.get("a", {}).items():
        states[entity_id] = {"state": compressed.get("s"), "attributes": dict(compressed.get("a", {}))}
        changed.append(entity_id)
    for entity_id, diff in message.get("c", {}).items():
        state = states.get(entity_id)
        if state is None:
            continue
        plus = diff.get("+", {})
        if "s" in plus:
            state["state"] = plus["s"]
        state["attributes"].update(plus.get("a", {}))
        for key in diff.get("-", {}).get("a", []):
            state["attributes"].pop(key, None)
        changed.append(entity_id)
    for entity_id in message.get("r", []):
        if states.pop(entity_id, None) is not None:
            changed.append(entity_id)
    return changed


def stream(url, token, query, last_event_id, on_frame):
    """One connection: yields until the stream ends; returns the server's retry hint in ms."""
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=90)  # the hub pings every 30 s
    headers = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    connection.request("GET", parts.path.rstrip("/") + "/subscribe_events?" + query, headers=headers)
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError("SSE Hub answered %d: %s" % (response.status, response.read().decode("utf-8", "replace")))
    retry_ms = None
    event_id, data = None, []
    try:
        while True:
            line = response.readline()
            if not line:
                return retry_ms
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    on_frame(event_id, "\n".join(data))
                event_id, data = None, []
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
            elif line.startswith("id:"):
                event_id = line[3:].lstrip(" ")
            elif line.startswith("retry:"):
                retry_ms = int(line[6:].strip())
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--area", help="an area id (needs a hub with selectors)")
    parser.add_argument("--entity-id", help="comma-separated entity ids")
    parser.add_argument("--fields", default="state")
    parser.add_argument("--client", default="python_example", help="the name the hub lists and publishes")
    parser.add_argument("--max-changes", type=int, default=0, help="exit after this many printed changes (0: never)")
    args = parser.parse_args()
    query = {"format": "entities", "fields": args.fields, "client": args.client}
    if args.area:
        query["area"] = args.area
    if args.entity_id:
        query["entity_id"] = args.entity_id
    query = urllib.parse.urlencode(query)

    states = {}
    position = {"last_event_id": None, "printed": 0}

    def on_frame(event_id, data):
        if event_id is not None:
            position["last_event_id"] = event_id
        message = json.loads(data)
        if "type" in message:  # connection, ping, error: not states
            if message["type"] == "error":
                print("# %s: %s" % (message.get("error"), message.get("message")), flush=True)
            return
        if "a" in message and position.get("fresh"):
            states.clear()  # the first `a` of a stream is the whole selection
        position["fresh"] = False
        for entity_id in apply(states, message):
            state = states.get(entity_id)
            print("%s: %s" % (entity_id, state["state"] if state else "(removed)"), flush=True)
            position["printed"] += 1
            if args.max_changes and position["printed"] >= args.max_changes:
                sys.exit(0)

    delay = 1.0
    while True:
        try:
            if position["last_event_id"]:
                print("# resuming after %s" % position["last_event_id"], flush=True)
            position["fresh"] = position["last_event_id"] is None
            retry_ms = stream(args.url, args.token, query, position["last_event_id"], on_frame)
            delay = (retry_ms or 1000) / 1000.0
        except (OSError, http.client.HTTPException) as err:
            print("# connection lost: %s" % err, flush=True)
        time.sleep(delay)
        delay = min(delay * 2, 30.0)


if __name__ == "__main__":
    main()
