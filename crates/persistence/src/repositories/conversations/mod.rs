//! The conversation repository: the port's methods, each handed to the submodule that holds
//! its kind of work.

mod delivery_and_mentions;
mod lifecycle;
mod listing;
mod members;
mod reads;

use crate::announcer::EventAnnouncer;
use crate::database::Database;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    Conversation, ConversationEvent, ConversationId, ConversationName, ConversationSummary, Member,
    MemberRole,
};
use palaver_domain::ports::{ConversationCursor, ConversationRepository, Departure, MemberCursor};
use palaver_domain::user::UserId;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub struct SqlConversationRepository {
    db: DatabaseConnection,
    announcer: Arc<EventAnnouncer>,
}

impl SqlConversationRepository {
    /// A repository whose logged events are announced to no one.
    pub fn new(database: &Database) -> Self {
        Self::announcing_to(database, EventAnnouncer::silent())
    }

    /// Every event this repository logs (members joining, leaving or changing role, a
    /// rename) is announced through `announcer` right after its commit, in seq order per
    /// conversation.
    pub fn announcing_to(database: &Database, announcer: Arc<EventAnnouncer>) -> Self {
        Self {
            db: database.connection.clone(),
            announcer,
        }
    }
}

#[async_trait]
impl ConversationRepository for SqlConversationRepository {
    async fn create(
        &self,
        conversation: &Conversation,
        members: &[Member],
    ) -> Result<(), RepositoryError> {
        lifecycle::create(&self.db, conversation, members).await
    }

    async fn find_or_create_direct(
        &self,
        conversation: &Conversation,
        members: &[Member],
        pair_key: &str,
    ) -> Result<(Conversation, bool), RepositoryError> {
        lifecycle::find_or_create_direct(&self.db, conversation, members, pair_key).await
    }

    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, RepositoryError> {
        reads::find(&self.db, id).await
    }

    async fn find_member(
        &self,
        id: ConversationId,
        user: UserId,
    ) -> Result<Option<Member>, RepositoryError> {
        reads::find_member(&self.db, id, user).await
    }

    async fn list_members(
        &self,
        id: ConversationId,
        after: Option<MemberCursor>,
        limit: u64,
    ) -> Result<Vec<Member>, RepositoryError> {
        listing::list_members(&self.db, id, after, limit).await
    }

    async fn member_ids(&self, id: ConversationId) -> Result<Vec<UserId>, RepositoryError> {
        listing::member_ids_in(&self.db, id).await
    }

    async fn list_for_user(
        &self,
        user: UserId,
        after: Option<ConversationCursor>,
        limit: u64,
    ) -> Result<Vec<ConversationSummary>, RepositoryError> {
        listing::list_for_user(&self.db, user, after, limit).await
    }

    async fn contact_ids(&self, user: UserId) -> Result<Vec<UserId>, RepositoryError> {
        listing::contact_ids(&self.db, user).await
    }

    async fn memberships_of(&self, user: UserId) -> Result<Vec<ConversationId>, RepositoryError> {
        listing::memberships_of(&self.db, user).await
    }

    async fn rename(
        &self,
        id: ConversationId,
        actor: UserId,
        name: &ConversationName,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        let turn = self.announcer.turn(id).await;
        let event = lifecycle::rename(&self.db, id, actor, name, now).await?;
        turn.announce([&event]);
        Ok(event)
    }

    async fn delete(&self, id: ConversationId) -> Result<Vec<UserId>, RepositoryError> {
        lifecycle::delete(&self.db, id).await
    }

    async fn add_members(
        &self,
        id: ConversationId,
        actor: UserId,
        users: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<Vec<ConversationEvent>, RepositoryError> {
        let turn = self.announcer.turn(id).await;
        let events = members::add_members(&self.db, id, actor, users, now).await?;
        turn.announce(&events);
        Ok(events)
    }

    async fn set_member_role(
        &self,
        id: ConversationId,
        actor: UserId,
        user: UserId,
        role: MemberRole,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        let turn = self.announcer.turn(id).await;
        let event = members::set_member_role(&self.db, id, actor, user, role, now).await?;
        turn.announce([&event]);
        Ok(event)
    }

    async fn remove_member(
        &self,
        id: ConversationId,
        actor: UserId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Departure, RepositoryError> {
        let turn = self.announcer.turn(id).await;
        let departure = members::remove_member(&self.db, id, actor, user, now).await?;
        match &departure {
            Departure::Left { events } => turn.announce(events),
            Departure::ConversationDeleted => turn.announce([]),
        }
        Ok(departure)
    }

    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: i64,
    ) -> Result<i64, RepositoryError> {
        reads::mark_read(&self.db, id, user, seq).await
    }

    async fn mark_delivered(
        &self,
        id: ConversationId,
        user: UserId,
        seq: i64,
    ) -> Result<i64, RepositoryError> {
        delivery_and_mentions::mark_delivered(&self.db, id, user, seq).await
    }

    async fn members_named(
        &self,
        id: ConversationId,
        usernames: &[String],
    ) -> Result<Vec<UserId>, RepositoryError> {
        delivery_and_mentions::members_named(&self.db, id, usernames).await
    }

    async fn list_events(
        &self,
        id: ConversationId,
        after_seq: i64,
        limit: u64,
    ) -> Result<Vec<ConversationEvent>, RepositoryError> {
        reads::list_events(&self.db, id, after_seq, limit).await
    }
}
