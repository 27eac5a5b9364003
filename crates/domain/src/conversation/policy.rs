//! Who may do what in a conversation, and who owns it after its owner leaves. Every rule
//! lives here once: the use-cases ask before they act, and the store asks again under the
//! conversation's lock, with the roles as they stand then. The refusal's text is for the
//! client.

use super::{ConversationKind, MemberRole};
use crate::user::UserId;
use chrono::{DateTime, Utc};

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

/// `Ok` when the action is allowed.
pub type Verdict = Result<(), Refusal>;

fn allow_if(allowed: bool, refusal: &'static str) -> Verdict {
    if allowed {
        Ok(())
    } else {
        Err(Refusal(refusal))
    }
}

/// Members read their conversations; a global admin reads any. Everyone else learns
/// nothing, not even that it exists.
pub fn may_read(role: Option<MemberRole>, global_admin: bool) -> bool {
    role.is_some() || global_admin
}

/// Everyone posts in direct conversations and groups; only the owner and admins in a
/// channel.
pub fn may_post(kind: ConversationKind, role: MemberRole) -> Verdict {
    allow_if(
        kind != ConversationKind::Channel || role.is_moderator(),
        "only the owner and admins post in a channel",
    )
}

/// A message is edited by its sender only, whatever their role.
pub fn may_edit_message(is_sender: bool) -> Verdict {
    allow_if(is_sender, "only the sender may edit a message")
}

/// A message is deleted by its sender, or by the owner or an admin.
pub fn may_delete_message(role: MemberRole, is_sender: bool) -> Verdict {
    allow_if(
        is_sender || role.is_moderator(),
        "only the sender, the owner and admins may delete a message",
    )
}

/// A direct conversation always has its two members; elsewhere the owner and admins add.
pub fn may_add_members(kind: ConversationKind, role: MemberRole) -> Verdict {
    fixed_membership(
        kind,
        "a direct conversation always has exactly its two members",
    )?;
    allow_if(
        role.is_moderator(),
        "only the owner and admins may add members",
    )
}

/// Anyone may leave a group or channel; a direct conversation is deleted, not left.
pub fn may_leave(kind: ConversationKind) -> Verdict {
    fixed_membership(
        kind,
        "a direct conversation cannot be left; delete it instead",
    )
}

/// Owners remove anyone, admins remove plain members, members remove nobody.
pub fn may_remove_member(
    kind: ConversationKind,
    remover: MemberRole,
    target: MemberRole,
) -> Verdict {
    may_leave(kind)?;
    let allowed = match remover {
        MemberRole::Owner => true,
        MemberRole::Admin => target == MemberRole::Member,
        MemberRole::Member => false,
    };
    allow_if(
        allowed,
        "owners remove anyone, admins remove plain members, members only leave",
    )
}

/// Only the owner changes roles, and never their own: the owner's role changes only when
/// they leave (see [`next_owner`]).
pub fn may_change_role(kind: ConversationKind, actor: MemberRole, target: MemberRole) -> Verdict {
    fixed_membership(kind, "a direct conversation has no roles to change")?;
    allow_if(
        actor == MemberRole::Owner,
        "only the owner may change roles",
    )?;
    allow_if(
        target != MemberRole::Owner,
        "the owner's role changes only when they leave",
    )
}

/// Groups and channels are renamed by the owner and admins; direct conversations have no
/// name.
pub fn may_rename(kind: ConversationKind, role: MemberRole) -> Verdict {
    fixed_membership(kind, "a direct conversation has no name")?;
    allow_if(
        role.is_moderator(),
        "only the owner and admins may rename a conversation",
    )
}

/// Either member deletes a direct conversation, the owner a group or channel, a global
/// admin any.
pub fn may_delete_conversation(
    kind: ConversationKind,
    role: Option<MemberRole>,
    global_admin: bool,
) -> Verdict {
    let allowed = global_admin
        || role.is_some_and(|r| kind == ConversationKind::Direct || r == MemberRole::Owner);
    allow_if(allowed, "only the owner may delete a conversation")
}

/// Pinning and unpinning a message: any member of a direct conversation or a group, the
/// owner and admins in a channel.
pub fn may_pin(kind: ConversationKind, role: MemberRole) -> Verdict {
    allow_if(
        kind != ConversationKind::Channel || role.is_moderator(),
        "only the owner and admins pin messages in a channel",
    )
}

/// Reacting to a message: every member (everyone who may read), channels included.
pub fn may_react(_kind: ConversationKind, _role: MemberRole) -> Verdict {
    Ok(())
}

/// Integrations (bots and their tokens, webhooks) are managed by global admins only,
/// whatever their roles in conversations.
pub fn may_manage_integrations(global_admin: bool) -> Verdict {
    allow_if(
        global_admin,
        "only a global admin may manage bots and webhooks",
    )
}

/// Replying in a thread is posting: everyone in direct conversations and groups, only the
/// owner and admins in a channel.
pub fn may_reply(kind: ConversationKind, role: MemberRole) -> Verdict {
    may_post(kind, role)
}

fn fixed_membership(kind: ConversationKind, refusal: &'static str) -> Verdict {
    allow_if(kind != ConversationKind::Direct, refusal)
}

/// A member who might inherit the conversation when its owner leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heir {
    pub user_id: UserId,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

/// Who owns the conversation after its owner left: the longest-standing admin, else the
/// longest-standing member; ties go to the lower user id. `None` when nobody is left.
/// The store need only offer the first admin and the first plain member by
/// [`heir_order`]; the choice between them is made here.
pub fn next_owner(candidates: &[Heir]) -> Option<UserId> {
    candidates
        .iter()
        .filter(|heir| heir.role != MemberRole::Owner)
        .min_by(|a, b| {
            let rank = |heir: &Heir| u8::from(heir.role != MemberRole::Admin);
            rank(a).cmp(&rank(b)).then_with(|| heir_order(a, b))
        })
        .map(|heir| heir.user_id)
}

/// Seniority among members of one role: who joined first, then the lower user id.
pub fn heir_order(a: &Heir, b: &Heir) -> std::cmp::Ordering {
    a.joined_at
        .cmp(&b.joined_at)
        .then_with(|| a.user_id.cmp(&b.user_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationKind::{Channel, Direct, Group};
    use MemberRole::{Admin, Member, Owner};
    use chrono::TimeZone;

    /// One row per (kind, role): may they post (and reply in threads), add, rename, pin,
    /// react, delete others' messages, delete the conversation, leave?
    #[test]
    fn the_matrix_by_kind_and_role() {
        #[rustfmt::skip]
        let table = [
            // kind     role    post   add    rename pin    react  del_msg del_conv leave
            (Direct,  Member, true,  false, false, true,  true,  false,  true,    false),
            (Group,   Owner,  true,  true,  true,  true,  true,  true,   true,    true),
            (Group,   Admin,  true,  true,  true,  true,  true,  true,   false,   true),
            (Group,   Member, true,  false, false, true,  true,  false,  false,   true),
            (Channel, Owner,  true,  true,  true,  true,  true,  true,   true,    true),
            (Channel, Admin,  true,  true,  true,  true,  true,  true,   false,   true),
            (Channel, Member, false, false, false, false, true,  false,  false,   true),
        ];
        for (kind, role, post, add, rename, pin, react, del_msg, del_conv, leave) in table {
            let row = format!("{kind:?} {role:?}");
            assert_eq!(may_post(kind, role).is_ok(), post, "post: {row}");
            assert_eq!(may_reply(kind, role).is_ok(), post, "reply: {row}");
            assert_eq!(may_add_members(kind, role).is_ok(), add, "add: {row}");
            assert_eq!(may_rename(kind, role).is_ok(), rename, "rename: {row}");
            assert_eq!(may_pin(kind, role).is_ok(), pin, "pin: {row}");
            assert_eq!(may_react(kind, role).is_ok(), react, "react: {row}");
            assert_eq!(
                may_delete_message(role, false).is_ok(),
                del_msg,
                "delete another's message: {row}"
            );
            assert!(may_delete_message(role, true).is_ok(), "own message: {row}");
            assert_eq!(
                may_delete_conversation(kind, Some(role), false).is_ok(),
                del_conv,
                "delete conversation: {row}"
            );
            assert!(may_delete_conversation(kind, None, true).is_ok(), "{row}");
            assert_eq!(may_leave(kind).is_ok(), leave, "leave: {row}");
            assert!(may_read(Some(role), false), "read: {row}");
        }
    }

    #[test]
    fn outsiders_read_nothing_and_delete_nothing_unless_global_admins() {
        assert!(!may_read(None, false));
        assert!(may_read(None, true));
        assert!(may_delete_conversation(Group, None, false).is_err());
    }

    #[test]
    fn integrations_are_for_global_admins_only() {
        for (global_admin, allowed) in [(true, true), (false, false)] {
            assert_eq!(may_manage_integrations(global_admin).is_ok(), allowed);
        }
    }

    #[test]
    fn only_the_sender_edits() {
        assert!(may_edit_message(true).is_ok());
        assert_eq!(
            may_edit_message(false),
            Err(Refusal("only the sender may edit a message"))
        );
    }

    #[test]
    fn removal_by_remover_and_target_role() {
        #[rustfmt::skip]
        let table = [
            (Owner,  Admin,  true),
            (Owner,  Member, true),
            (Admin,  Owner,  false),
            (Admin,  Admin,  false),
            (Admin,  Member, true),
            (Member, Member, false),
            (Member, Admin,  false),
        ];
        for kind in [Group, Channel] {
            for (remover, target, allowed) in table {
                assert_eq!(
                    may_remove_member(kind, remover, target).is_ok(),
                    allowed,
                    "{kind:?}: {remover:?} removes {target:?}"
                );
            }
        }
        assert!(may_remove_member(Direct, Owner, Member).is_err());
    }

    #[test]
    fn role_changes_by_actor_and_target() {
        #[rustfmt::skip]
        let table = [
            (Owner,  Admin,  Ok(())),
            (Owner,  Member, Ok(())),
            (Owner,  Owner,  Err(Refusal("the owner's role changes only when they leave"))),
            (Admin,  Member, Err(Refusal("only the owner may change roles"))),
            (Member, Admin,  Err(Refusal("only the owner may change roles"))),
        ];
        for (actor, target, verdict) in table {
            assert_eq!(
                may_change_role(Group, actor, target),
                verdict,
                "{actor:?} {target:?}"
            );
            assert_eq!(may_change_role(Channel, actor, target), verdict);
        }
        assert!(may_change_role(Direct, Member, Member).is_err());
    }

    fn heir(n: u128, role: MemberRole, joined_minute: u32) -> Heir {
        Heir {
            user_id: UserId::from_uuid(uuid::Uuid::from_u128(n)),
            role,
            joined_at: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, joined_minute, 0)
                .single()
                .unwrap(),
        }
    }

    #[test]
    fn ownership_passes_to_the_senior_admin_then_the_senior_member() {
        let cases: [(Vec<Heir>, Option<u128>); 6] = [
            (vec![], None),
            (vec![heir(1, Member, 5)], Some(1)),
            // An admin outranks a member who joined earlier.
            (vec![heir(1, Member, 1), heir(2, Admin, 9)], Some(2)),
            // Among admins, the first to join.
            (
                vec![heir(3, Admin, 7), heir(2, Admin, 4), heir(1, Member, 0)],
                Some(2),
            ),
            // Same minute: the lower id.
            (vec![heir(9, Member, 3), heir(4, Member, 3)], Some(4)),
            // The owner who is leaving is never their own heir.
            (vec![heir(1, Owner, 0), heir(2, Member, 8)], Some(2)),
        ];
        for (candidates, expected) in cases {
            assert_eq!(
                next_owner(&candidates),
                expected.map(|n| UserId::from_uuid(uuid::Uuid::from_u128(n))),
                "{candidates:?}"
            );
        }
    }
}
