#!/usr/bin/env python3
"""Peer p2: the Python script a user writes instead of payops.

concurrent.futures.ThreadPoolExecutor with C threads, one urllib.request
call per row. It sends exactly payops' request (src/gateway/requests.ts,
src/gateway/client.ts): POST {URL}/v1/payments/{payment_id} with
Authorization: Bearer, Accept: application/json, Content-Type:
application/x-www-form-urlencoded; charset=UTF-8 and the body
entityId=...&paymentType=...&amount=...&currency=...&merchantTransactionId=...
(amount/currency left out when empty, as payops does).

It does not validate, journal or write a results file: it counts the answers
that carry 000.100.110 and prints {"sent": N, "ok": M} on stdout.

  OPPWA_ACCESS_TOKEN=... OPPWA_ENTITY_ID=... python3 scripts/peers/p2-python-pool.py URL FILE CONCURRENCY

FILE: CSV with columns operation, payment_id, amount, currency, merchant_transaction_id.
"""
import csv
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ENCODE_SAFE = "-_.!~*'()"
TYPES = {"capture": "CP", "refund": "RF", "reversal": "RV", "rebill": "RB", "receipt": "RC"}


def main():
    url, path, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    token = os.environ["OPPWA_ACCESS_TOKEN"]
    entity = os.environ["OPPWA_ENTITY_ID"]
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    }
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))

    def send(row):
        params = [("entityId", entity), ("paymentType", TYPES[row["operation"]])]
        if row["amount"]:
            params.append(("amount", row["amount"]))
        if row["currency"]:
            params.append(("currency", row["currency"]))
        params.append(("merchantTransactionId", row["merchant_transaction_id"]))
        # encodeURIComponent's escaping, as payops builds the body
        body = "&".join(f"{k}={urllib.parse.quote(v, safe=ENCODE_SAFE)}" for k, v in params).encode()
        req = urllib.request.Request(f"{url}/v1/payments/{row['payment_id']}", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                text = res.read().decode()
        except urllib.error.HTTPError as e:
            text = e.read().decode()
        except OSError:
            return False
        return '"000.100.110"' in text

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        ok = sum(pool.map(send, rows))
    print(json.dumps({"sent": len(rows), "ok": ok}))


if __name__ == "__main__":
    main()
