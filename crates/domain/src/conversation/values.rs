use crate::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationKind {
    Direct,
    Group,
    /// Only the owner and admins post; members read.
    Channel,
}

impl ConversationKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
            Self::Channel => "channel",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "direct" => Ok(Self::Direct),
            "group" => Ok(Self::Group),
            "channel" => Ok(Self::Channel),
            _ => Err(ValidationError::new(
                "kind",
                "must be \"direct\", \"group\" or \"channel\"",
            )),
        }
    }
}

/// A group's or channel's name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversationName(String);

impl ConversationName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > Self::MAX_LEN {
            return Err(ValidationError::new(
                "name",
                format!("must be 1 to {} characters long", Self::MAX_LEN),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member's role inside one conversation (not the global role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberRole {
    Owner,
    Admin,
    Member,
}

impl MemberRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(ValidationError::new(
                "role",
                "must be \"owner\", \"admin\" or \"member\"",
            )),
        }
    }

    /// Owners and admins manage members, rename, moderate and post in channels.
    pub fn is_moderator(&self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_roles_round_trip_and_refuse_the_unknown() {
        for kind in [
            ConversationKind::Direct,
            ConversationKind::Group,
            ConversationKind::Channel,
        ] {
            assert_eq!(ConversationKind::parse(kind.as_str()).unwrap(), kind);
        }
        for role in [MemberRole::Owner, MemberRole::Admin, MemberRole::Member] {
            assert_eq!(MemberRole::parse(role.as_str()).unwrap(), role);
        }
        assert!(ConversationKind::parse("forum").is_err());
        assert!(MemberRole::parse("root").is_err());
        assert!(MemberRole::Admin.is_moderator() && !MemberRole::Member.is_moderator());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            ConversationName::parse("  Team  ").unwrap().as_str(),
            "Team"
        );
        assert!(ConversationName::parse("   ").is_err());
        assert!(ConversationName::parse(&"x".repeat(101)).is_err());
        assert!(ConversationName::parse("a\u{0}b").is_err());
    }
}
