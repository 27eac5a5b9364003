use crate::columns::{index_on, timestamp, timestamp_null};
use crate::m20261121_000001_create_users::Users;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    Kind,
    Name,
    OwnerId,
    /// Only for direct conversations: the pair's key, unique.
    DirectKey,
    /// The seq of the latest event; every event takes the next one.
    LastSeq,
    MemberCount,
    LastMessageId,
    LastActivityAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConversationMembers {
    Table,
    ConversationId,
    UserId,
    Role,
    JoinedAt,
    LastReadSeq,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ConversationId,
    Seq,
    SenderId,
    Content,
    ReplyToId,
    ClientId,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    ConversationId,
    Seq,
    Kind,
    MessageId,
    UserId,
    Role,
    CreatedAt,
}

/// Full-text search over message content, with each database's own index.
///
/// SQLite: an FTS5 table the triggers keep in step with `messages`, holding a row for each
/// message with content (a tombstone's NULL content leaves it). `messages_search_keys`
/// gives each message a stable integer key, used as its FTS rowid, so an edit, deletion or
/// cascade finds the message's FTS row by rowid instead of scanning. (Plain rowids of
/// `messages` would not do: VACUUM may renumber them, as the table has no INTEGER key.)
/// PostgreSQL: a generated tsvector with a GIN index. MariaDB/MySQL: a FULLTEXT index.
/// (Since `m20261207_000003_deferred_search_index`, SQLite indexes new messages after
/// their commit rather than in it.)
const SQLITE_SEARCH_UP: &[&str] = &[
    "CREATE TABLE messages_search_keys (\
        id INTEGER PRIMARY KEY, \
        message_id BLOB NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE)",
    "CREATE VIRTUAL TABLE messages_fts USING fts5(\
        content, tokenize = 'unicode61 remove_diacritics 2')",
    INDEX_ON_INSERT,
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN \
            DELETE FROM messages_fts WHERE rowid = \
                (SELECT id FROM messages_search_keys WHERE message_id = old.id); \
            INSERT INTO messages_fts (rowid, content) \
                SELECT id, new.content FROM messages_search_keys \
                WHERE message_id = new.id AND new.content IS NOT NULL; \
        END",
    "CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN \
            DELETE FROM messages_fts WHERE rowid = \
                (SELECT id FROM messages_search_keys WHERE message_id = old.id); \
        END",
];

/// SQLite's trigger that indexes each new message inside the transaction that inserts it.
pub(crate) const INDEX_ON_INSERT: &str = "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN \
        INSERT INTO messages_search_keys (message_id) VALUES (new.id); \
        INSERT INTO messages_fts (rowid, content) \
            SELECT last_insert_rowid(), new.content WHERE new.content IS NOT NULL; \
    END";

const SQLITE_SEARCH_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
    "DROP TABLE IF EXISTS messages_search_keys",
];

const POSTGRES_SEARCH_UP: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN search tsvector \
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(content, ''))) STORED",
    "CREATE INDEX ix_messages_search ON messages USING GIN (search)",
];

const POSTGRES_SEARCH_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_messages_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search",
];

const MYSQL_SEARCH_UP: &[&str] =
    &["ALTER TABLE messages ADD FULLTEXT INDEX ft_messages_content (content)"];

const MYSQL_SEARCH_DOWN: &[&str] = &["ALTER TABLE messages DROP INDEX ft_messages_content"];

fn search_statements(backend: DbBackend, up: bool) -> &'static [&'static str] {
    match (backend, up) {
        (DbBackend::Sqlite, true) => SQLITE_SEARCH_UP,
        (DbBackend::Sqlite, false) => SQLITE_SEARCH_DOWN,
        (DbBackend::Postgres, true) => POSTGRES_SEARCH_UP,
        (DbBackend::Postgres, false) => POSTGRES_SEARCH_DOWN,
        (_, true) => MYSQL_SEARCH_UP,
        (_, false) => MYSQL_SEARCH_DOWN,
    }
}

fn foreign_key(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

/// An index over several columns, unique or not, with an explicit name.
fn index(
    name: &str,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

/// The sender's idempotency key: up to 64 visible ASCII characters, compared exactly. On
/// MySQL a plain VARCHAR takes the database's collation, which ignores case, so that "abc"
/// and "ABC" would collide in `ux_messages_sender_client_id`; ascii_bin compares bytes.
fn client_id(backend: DbBackend) -> ColumnDef {
    match backend {
        DbBackend::MySql => ColumnDef::new(Messages::ClientId)
            .custom("VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin")
            .null()
            .take(),
        _ => string_len_null(Messages::ClientId, 64),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .col(pk_uuid(Conversations::Id))
                    .col(string_len(Conversations::Kind, 16))
                    .col(string_len_null(Conversations::Name, 100))
                    .col(uuid_null(Conversations::OwnerId))
                    .col(string_len_null(Conversations::DirectKey, 65))
                    .col(big_integer(Conversations::LastSeq).default(0))
                    .col(integer(Conversations::MemberCount).default(0))
                    .col(uuid_null(Conversations::LastMessageId))
                    .col(timestamp(backend, Conversations::LastActivityAt))
                    .col(timestamp(backend, Conversations::CreatedAt))
                    .col(timestamp(backend, Conversations::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_conversations_owner",
                        (Conversations::Table, Conversations::OwnerId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(Conversations::Table, Conversations::OwnerId))
            .await?;
        // NULLs (groups and channels) never collide in a unique index, on any backend.
        manager
            .create_index(index(
                "ux_conversations_direct_key",
                Conversations::Table,
                [Conversations::DirectKey.into_iden()],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_conversations_last_activity_at_id",
                Conversations::Table,
                [
                    Conversations::LastActivityAt.into_iden(),
                    Conversations::Id.into_iden(),
                ],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConversationMembers::Table)
                    .col(uuid(ConversationMembers::ConversationId))
                    .col(uuid(ConversationMembers::UserId))
                    .col(string_len(ConversationMembers::Role, 16))
                    .col(timestamp(backend, ConversationMembers::JoinedAt))
                    .col(big_integer(ConversationMembers::LastReadSeq).default(0))
                    .primary_key(
                        Index::create()
                            .col(ConversationMembers::ConversationId)
                            .col(ConversationMembers::UserId),
                    )
                    .foreign_key(&mut foreign_key(
                        "fk_conversation_members_conversation",
                        (
                            ConversationMembers::Table,
                            ConversationMembers::ConversationId,
                        ),
                        (Conversations::Table, Conversations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_conversation_members_user",
                        (ConversationMembers::Table, ConversationMembers::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                ConversationMembers::Table,
                ConversationMembers::UserId,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_conversation_members_conversation_id_joined_at",
                ConversationMembers::Table,
                [
                    ConversationMembers::ConversationId.into_iden(),
                    ConversationMembers::JoinedAt.into_iden(),
                ],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(pk_uuid(Messages::Id))
                    .col(uuid(Messages::ConversationId))
                    .col(big_integer(Messages::Seq))
                    .col(uuid_null(Messages::SenderId))
                    .col(text_null(Messages::Content))
                    .col(uuid_null(Messages::ReplyToId))
                    .col(client_id(backend))
                    .col(timestamp(backend, Messages::CreatedAt))
                    .col(timestamp_null(backend, Messages::EditedAt))
                    .col(timestamp_null(backend, Messages::DeletedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_messages_conversation",
                        (Messages::Table, Messages::ConversationId),
                        (Conversations::Table, Conversations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_messages_sender",
                        (Messages::Table, Messages::SenderId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // Both unique indexes lead with a foreign key's column, so they serve it too.
        manager
            .create_index(index(
                "ux_messages_conversation_seq",
                Messages::Table,
                [
                    Messages::ConversationId.into_iden(),
                    Messages::Seq.into_iden(),
                ],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_messages_sender_client_id",
                Messages::Table,
                [
                    Messages::SenderId.into_iden(),
                    Messages::ClientId.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(uuid(Events::ConversationId))
                    .col(big_integer(Events::Seq))
                    .col(string_len(Events::Kind, 32))
                    .col(uuid_null(Events::MessageId))
                    .col(uuid_null(Events::UserId))
                    .col(string_len_null(Events::Role, 16))
                    .col(timestamp(backend, Events::CreatedAt))
                    .primary_key(Index::create().col(Events::ConversationId).col(Events::Seq))
                    .foreign_key(&mut foreign_key(
                        "fk_events_conversation",
                        (Events::Table, Events::ConversationId),
                        (Conversations::Table, Conversations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        let connection = manager.get_connection();
        for sql in search_statements(backend, true) {
            connection.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        for sql in search_statements(manager.get_database_backend(), false) {
            connection.execute_unprepared(sql).await?;
        }
        for table in [
            Events::Table.into_iden(),
            Messages::Table.into_iden(),
            ConversationMembers::Table.into_iden(),
            Conversations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
