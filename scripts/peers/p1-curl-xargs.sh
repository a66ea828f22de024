#!/bin/sh
# Peer p1: the shell script a user writes instead of payops. One `curl` per
# row, C at a time under `xargs -P C`. It sends exactly payops' request for a
# refund/capture/reversal/rebill/receipt of a payment (src/gateway/requests.ts,
# src/gateway/client.ts): POST {URL}/v1/payments/{payment_id}, headers
# Authorization: Bearer, Accept: application/json, Content-Type:
# application/x-www-form-urlencoded; charset=UTF-8, body
# entityId=…&paymentType=…&amount=…&currency=…&merchantTransactionId=…
# (amount/currency left out when empty, as payops does).
#
# It does not validate, journal or write a results file: it counts the answers
# that carry 000.100.110 and prints {"sent":N,"ok":M} on stdout.
#
#   OPPWA_ACCESS_TOKEN=… OPPWA_ENTITY_ID=… scripts/peers/p1-curl-xargs.sh URL FILE CONCURRENCY
#
# FILE: CSV with a header naming operation, payment_id, amount, currency and
# merchant_transaction_id (any order); plain cells, no quoting (the bench's files).
# The token goes to curl in a header file (-H @file), never on a command line.
set -eu
url=$1 file=$2 c=$3
: "${OPPWA_ACCESS_TOKEN:?set OPPWA_ACCESS_TOKEN}" "${OPPWA_ENTITY_ID:?set OPPWA_ENTITY_ID}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
printf 'Authorization: Bearer %s\nAccept: application/json\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\nUser-Agent:\n' \
  "$OPPWA_ACCESS_TOKEN" >"$tmp/headers"
# Two lines per row: the body, then the URL; xargs hands each pair to one curl.
# (Values are hex ids, plain amounts, ISO codes and [A-Za-z0-9-] ids: nothing to percent-encode.)
awk -F, -v url="$url" -v entity="$OPPWA_ENTITY_ID" '
  NR == 1 { sub(/^\xef\xbb\xbf/, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
  $0 == "" { next }
  {
    op = $col["operation"]
    t = (op == "capture") ? "CP" : (op == "refund") ? "RF" : (op == "reversal") ? "RV" : (op == "rebill") ? "RB" : (op == "receipt") ? "RC" : ""
    if (t == "") { print "p1: line " NR ": unknown operation " op > "/dev/stderr"; exit 2 }
    body = "entityId=" entity "&paymentType=" t
    if ($col["amount"] != "") body = body "&amount=" $col["amount"]
    if ($col["currency"] != "") body = body "&currency=" $col["currency"]
    body = body "&merchantTransactionId=" $col["merchant_transaction_id"]
    print body
    print url "/v1/payments/" $col["payment_id"]
  }' "$file" >"$tmp/args"
sent=$(($(wc -l <"$tmp/args") / 2))
xargs -d '\n' -n 2 -P "$c" curl -sS --max-time 60 -H @"$tmp/headers" -w '\n' --data-raw <"$tmp/args" >"$tmp/answers" || true
ok=$(grep -o '"000\.100\.110"' "$tmp/answers" | wc -l)
printf '{"sent":%d,"ok":%d}\n' "$sent" "$ok"
