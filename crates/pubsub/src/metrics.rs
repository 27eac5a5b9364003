//! The bus's counters: `palaver_bus_published_total` and `palaver_bus_received_total`,
//! labelled with the engine (`redis` or `nats`).

/// Counts payloads the server accepted for relaying.
pub(crate) fn published(bus: &'static str, payloads: usize) {
    metrics::counter!("palaver_bus_published_total", "bus" => bus)
        .increment(u64::try_from(payloads).unwrap_or(u64::MAX));
}

/// Counts one payload that came in from the bus (this node's own included).
pub(crate) fn received(bus: &'static str) {
    metrics::counter!("palaver_bus_received_total", "bus" => bus).increment(1);
}
