use crate::ApplicationError;
use palaver_domain::attachment::{Attachment, AttachmentId};
use palaver_domain::auth::Actor;
use palaver_domain::ports::AttachmentRepository;
use std::sync::Arc;

/// An attachment's description, for its uploader or a member of a conversation where it
/// was posted; `NotFound` for everyone else (its existence is not revealed).
pub struct GetAttachment {
    attachments: Arc<dyn AttachmentRepository>,
}

impl GetAttachment {
    pub fn new(attachments: Arc<dyn AttachmentRepository>) -> Self {
        Self { attachments }
    }

    pub async fn execute(
        &self,
        actor: &Actor,
        id: AttachmentId,
    ) -> Result<Attachment, ApplicationError> {
        self.attachments
            .find_for_reader(id, actor.user_id)
            .await?
            .ok_or(ApplicationError::NotFound("attachment"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attachments::upload_attachment::tests::attachment_of;
    use crate::test_support::*;
    use palaver_domain::ports::MockAttachmentRepository;

    #[tokio::test]
    async fn readers_get_it_and_everyone_else_not_found() {
        let (ann, bob) = (user("ann"), user("bob"));
        let stored = attachment_of(&ann);
        let mut attachments = MockAttachmentRepository::new();
        let (id, reader) = (stored.id, ann.id);
        attachments
            .expect_find_for_reader()
            .returning(
                move |asked, who| Ok((asked == id && who == reader).then(|| stored.clone())),
            );
        let get = GetAttachment::new(Arc::new(attachments));
        assert_eq!(get.execute(&actor_for(&ann), id).await.unwrap().id, id);
        assert!(matches!(
            get.execute(&actor_for(&bob), id).await,
            Err(ApplicationError::NotFound("attachment"))
        ));
    }
}
