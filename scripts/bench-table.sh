#!/usr/bin/env bash
# Turns make bench's result lines (target=… scenario=… key=value …) into the Markdown
# table of docs/benchmarks.md, each Palaver figure with its ratio to the baseline's.
set -euo pipefail
awk '
function get(t, s, k) { return v[t, s, k] }
function ms(us) { return (us == "" || us < 0) ? "-" : sprintf("%.1f ms", us / 1000) }
function num(x) { return sprintf("%d", x) }
function ratio(x, base) { return (base > 0 && x >= 0) ? sprintf(" (%.2fx)", x / base) : "" }
{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    t = f["target"]; s = f["scenario"]
    if (!(t in seen)) { seen[t] = 1; order[++n] = t }
    for (k in f) v[t, s, k] = f[k]
    delete f
}
END {
    printf "| scenario |"
    for (i = 1; i <= n; i++) printf " %s |", order[i]
    printf "\n| --- |"
    for (i = 1; i <= n; i++) printf " --- |"
    printf "\n"
    row("fan-out at saturation: deliveries/s (acks/s)", "saturation", "sat")
    row("saturation: delivery p50 / p99", "saturation", "satlat")
    row("400 msgs/s: delivery p50 / p99", "fixed", "lat")
    row("400 msgs/s: ack p50 / p99", "fixed", "ack")
    row("10,000 idle connections: KiB each", "idle", "mem")
    row("nothing lost: delivered / expected (saturation)", "saturation", "lost")
}
function row(label, s, kind,    i, t, b, text) {
    printf "| %s |", label
    for (i = 1; i <= n; i++) {
        t = order[i]; b = "baseline"
        if (kind == "sat") text = num(get(t, s, "deliveries_per_s")) ratio(get(t, s, "deliveries_per_s"), get(b, s, "deliveries_per_s")) " (" num(get(t, s, "acks_per_s")) " acks/s)"
        else if (kind == "satlat") text = ms(get(t, s, "delivery_p50_us")) " / " ms(get(t, s, "delivery_p99_us")) ratio(get(t, s, "delivery_p99_us"), get(b, s, "delivery_p99_us"))
        else if (kind == "lat") text = ms(get(t, s, "delivery_p50_us")) " / " ms(get(t, s, "delivery_p99_us")) ratio(get(t, s, "delivery_p99_us"), get(b, s, "delivery_p99_us"))
        else if (kind == "ack") text = ms(get(t, s, "ack_p50_us")) " / " ms(get(t, s, "ack_p99_us"))
        else if (kind == "mem") text = sprintf("%.1f", get(t, s, "rss_kib_per_connection")) ratio(get(t, s, "rss_kib_per_connection"), get(b, s, "rss_kib_per_connection"))
        else if (kind == "lost") text = num(get(t, s, "delivered")) " / " num(get(t, s, "expected")) (get(t, s, "errors") > 0 ? ", " get(t, s, "errors") " errors" : "")
        printf " %s |", text
    }
    printf "\n"
}
' "$1"
