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

/// A plain index on one column, named `ix_<table>_<column>`; every foreign key gets one so
/// that joins and cascading deletes do not scan.
pub fn index_on(table: impl IntoIden, column: impl IntoIden) -> IndexCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    Index::create()
        .name(format!("ix_{table}_{column}"))
        .table(table)
        .col(column)
        .to_owned()
}
