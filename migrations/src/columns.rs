//! Column helpers for types whose best form differs between backends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A UTC timestamp with microseconds. MySQL's TIMESTAMP keeps whole seconds by default and
/// stops in 2038, so it gets DATETIME(6); the others their timezone-aware type.
pub fn timestamp(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DbBackend::MySql => column.custom("DATETIME(6)"),
        _ => column.timestamp_with_time_zone(),
    };
    column.not_null().take()
}

pub fn timestamp_null(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = timestamp(backend, name);
    column.null().take()
}
