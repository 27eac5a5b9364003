//! Builds every adapter once and hands the use-cases their ports.

use anyhow::Context;
use chrono::Duration;
use palaver_application::accounts::{
    Authenticate, ChangePassword, ConfirmPasswordReset, Login, Logout, PasswordResetSettings,
    PurgeExpiredCredentials, Refresh, Register, RequestPasswordReset, SessionStarter, Throttle,
    ThrottleLimits,
};
use palaver_application::admin::{GetStats, ListAllConversations};
use palaver_application::bots::{AuthenticateBot, CreateBot, DeleteBot, ReissueBotToken};
use palaver_application::conversations::{
    AddMembers, ChangeMemberRole, CreateConversation, DeleteConversation, GetConversation,
    LeaveAllConversations, ListConversations, ListEvents, ListMembers, Marker, MoveMarker,
    RemoveMember, RenameConversation, SetTyping,
};
use palaver_application::messages::{
    DeleteMessage, EditMessage, ListMessages, ListPins, ListThread, PinMessage, React,
    SearchMessages, SendMessage,
};
use palaver_application::users::{
    AdminDeleteUser, AdminUpdateUser, DeleteAccount, GetUser, ListOnlineUsers, SearchUsers,
    SetGlobalRole, UpdateProfile,
};
use palaver_domain::ports::{
    AdminDirectory, AttemptCounter, Clock, ClusterBus, ConnectionCensus, ConversationRepository,
    Mailer, MessageRepository, PasswordHasher, PasswordResetRepository, PresenceDirectory,
    SecretGenerator, SendRateLimiter, SessionRepository, TokenIssuer, UserRepository,
};
use palaver_domain::ports::{BotRepository, Notifier};
use palaver_mailer::{LogMailer, SmtpMailer, SmtpSettings, SmtpTls};
use palaver_persistence::SqlBotRepository;
use palaver_persistence::{
    ConnectSettings, Database, EventAnnouncer, SqlAdminDirectory, SqlConversationRepository,
    SqlDatabaseHealth, SqlMessageRepository, SqlPasswordResetRepository, SqlSessionRepository,
    SqlUserRepository,
};
use palaver_security::SendLimitsByKind;
use palaver_security::{
    BcryptHasher, GovernorSendLimiter, JwtIssuer, MemoryAttemptCounter, RandomSecrets, SystemClock,
};
use palaver_settings::{MailTransport, Settings, SmtpTlsMode};
use palaver_web::BotUseCases;
use palaver_web::{
    AppState, GatewaySettings, Hub, HubPorts, HubSettings, RepositoryAudiences, WebSettings,
};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Everything built from the configuration: the web state, the use-cases the command
/// line needs, and the pool to close on the way out.
pub struct Components {
    pub state: AppState,
    pub set_global_role: Arc<SetGlobalRole>,
    pub purge_expired_credentials: Arc<PurgeExpiredCredentials>,
    database: Database,
    /// Removes unposted and deleted attachments every `attachments.gc_interval_secs`.
    attachment_collector: tokio::task::JoinHandle<()>,
    /// Offline notifications and the other consumers of committed events.
    pipeline: palaver_notify::Pipeline,
}

impl Components {
    /// The pool, for the gauges `GET /metrics` reads from it.
    pub(crate) fn database(&self) -> &Database {
        &self.database
    }

    pub async fn close(self) {
        self.attachment_collector.abort();
        self.pipeline.stop();
        if let Err(error) = self.database.close().await {
            tracing::warn!(%error, "closing the database pool");
        }
    }
}

pub async fn build(settings: &Settings) -> anyhow::Result<Components> {
    let database = Database::connect(&ConnectSettings {
        url: settings.database.url.expose().to_owned(),
        max_connections: settings.database.max_connections,
        min_connections: settings.database.min_connections,
        connect_timeout: std::time::Duration::from_secs(settings.database.connect_timeout_secs),
    })
    .await
    .context("connecting to the database")?;
    if settings.database.migrate_on_start {
        database.migrate().await.context("migrating the database")?;
    }

    let users: Arc<dyn UserRepository> = Arc::new(SqlUserRepository::new(&database));
    let sessions: Arc<dyn SessionRepository> = Arc::new(SqlSessionRepository::new(&database));
    let resets: Arc<dyn PasswordResetRepository> =
        Arc::new(SqlPasswordResetRepository::new(&database));
    let auth = &settings.auth;
    let hasher: Arc<dyn PasswordHasher> =
        Arc::new(BcryptHasher::new(auth.bcrypt_cost).map_err(|e| anyhow::anyhow!("bcrypt: {e}"))?);
    let tokens: Arc<dyn TokenIssuer> = Arc::new(JwtIssuer::new(
        auth.jwt_secret.expose().as_bytes(),
        auth.access_ttl_secs,
    ));
    let secrets: Arc<dyn SecretGenerator> = Arc::new(RandomSecrets);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mailer = mailer(settings)?;
    let conversations: Arc<dyn ConversationRepository> =
        Arc::new(SqlConversationRepository::new(&database));
    let hub = Hub::start(
        HubPorts {
            audiences: Arc::new(RepositoryAudiences(conversations.clone())),
            users: users.clone(),
            bus: cluster_bus(settings).await?,
        },
        HubSettings {
            outbound_queue: settings.realtime.outbound_queue,
            presence_heartbeat: millis(settings.realtime.presence_heartbeat_ms),
        },
    )
    .await
    .map_err(|error| anyhow::anyhow!("starting the real-time hub: {error}"))?;
    let presence: Arc<dyn PresenceDirectory> = hub.presence();
    let census: Arc<dyn ConnectionCensus> = hub.presence();
    let admin_directory: Arc<dyn AdminDirectory> = Arc::new(SqlAdminDirectory::new(&database));
    // Every committed change reaches the hub through the notification pipeline's tap.
    let (notifier, wakeups) = crate::notifications::tap(Arc::new(hub.clone()));
    // Whoever assigns seqs announces the events, in seq order per conversation: the message
    // writer and the repositories that log edits, deletes and membership changes share one
    // announcer. (The hub reads members through the plain repository above.)
    let announcer = EventAnnouncer::new(notifier.clone());
    let messages: Arc<dyn MessageRepository> = Arc::new(SqlMessageRepository::announcing_to(
        &database,
        announcer.clone(),
    ));
    let conversations: Arc<dyn ConversationRepository> = Arc::new(
        SqlConversationRepository::announcing_to(&database, announcer),
    );
    let attachments = crate::attachment_wiring::build(settings, &database, clock.clone())?;
    let leave_all =
        LeaveAllConversations::new(conversations.clone(), notifier.clone(), clock.clone());

    let starter = SessionStarter::new(
        sessions.clone(),
        tokens.clone(),
        secrets.clone(),
        clock.clone(),
        seconds(auth.refresh_ttl_secs),
    );
    let reset_settings = PasswordResetSettings {
        token_ttl: seconds(auth.password_reset_ttl_secs),
        link_prefix: Some(auth.password_reset_url.clone()).filter(|url| !url.is_empty()),
    };
    let throttle = throttle(settings)?;
    let (pipeline, notification_routes) = crate::notifications::start(
        settings,
        &database,
        wakeups,
        crate::notifications::NotificationPorts {
            conversations: conversations.clone(),
            messages: messages.clone(),
            users: users.clone(),
            presence: presence.clone(),
            mailer: mailer.clone(),
            secrets: secrets.clone(),
            clock: clock.clone(),
        },
    )
    .await?;
    let bots = bot_use_cases(BotPorts {
        database: &database,
        users: users.clone(),
        hasher: hasher.clone(),
        secrets: secrets.clone(),
        leave_all: leave_all.clone(),
        notifier: notifier.clone(),
        clock: clock.clone(),
    });
    let state = AppState {
        register: Arc::new(Register::new(
            users.clone(),
            hasher.clone(),
            clock.clone(),
            starter.clone(),
        )),
        login: Arc::new(Login::new(
            users.clone(),
            hasher.clone(),
            starter.clone(),
            throttle.clone(),
        )),
        refresh: Arc::new(Refresh::new(users.clone(), starter, notifier.clone())),
        logout: Arc::new(Logout::new(
            sessions.clone(),
            notifier.clone(),
            clock.clone(),
        )),
        change_password: Arc::new(ChangePassword::new(
            users.clone(),
            hasher.clone(),
            notifier.clone(),
            clock.clone(),
        )),
        request_password_reset: Arc::new(RequestPasswordReset::new(
            users.clone(),
            resets.clone(),
            secrets,
            mailer,
            clock.clone(),
            reset_settings,
            throttle,
        )),
        confirm_password_reset: Arc::new(ConfirmPasswordReset::new(
            resets.clone(),
            hasher.clone(),
            notifier.clone(),
            clock.clone(),
        )),
        authenticate: Arc::new(Authenticate::new(tokens, sessions.clone(), clock.clone())),
        get_user: Arc::new(GetUser::new(users.clone(), presence.clone())),
        search_users: Arc::new(SearchUsers::new(users.clone(), presence.clone())),
        list_online_users: Arc::new(ListOnlineUsers::new(users.clone(), presence.clone())),
        update_profile: Arc::new(UpdateProfile::new(
            users.clone(),
            hasher.clone(),
            presence.clone(),
            clock.clone(),
        )),
        admin_update_user: Arc::new(AdminUpdateUser::new(
            users.clone(),
            presence.clone(),
            clock.clone(),
        )),
        delete_account: Arc::new(DeleteAccount::new(
            users.clone(),
            hasher,
            leave_all.clone(),
            notifier.clone(),
        )),
        admin_delete_user: Arc::new(AdminDeleteUser::new(
            users.clone(),
            leave_all,
            notifier.clone(),
        )),
        create_conversation: Arc::new(CreateConversation::new(
            conversations.clone(),
            users.clone(),
            notifier.clone(),
            clock.clone(),
        )),
        list_conversations: Arc::new(ListConversations::new(conversations.clone())),
        get_conversation: Arc::new(GetConversation::new(conversations.clone())),
        rename_conversation: Arc::new(RenameConversation::new(
            conversations.clone(),
            clock.clone(),
        )),
        delete_conversation: Arc::new(DeleteConversation::new(
            conversations.clone(),
            notifier.clone(),
        )),
        list_members: Arc::new(ListMembers::new(
            conversations.clone(),
            users.clone(),
            presence.clone(),
        )),
        add_members: Arc::new(AddMembers::new(
            conversations.clone(),
            users.clone(),
            notifier.clone(),
            clock.clone(),
        )),
        change_member_role: Arc::new(ChangeMemberRole::new(conversations.clone(), clock.clone())),
        remove_member: Arc::new(RemoveMember::new(
            conversations.clone(),
            notifier.clone(),
            clock.clone(),
        )),
        mark_read: Arc::new(MoveMarker::new(
            Marker::Read,
            conversations.clone(),
            notifier.clone(),
        )),
        set_typing: Arc::new(SetTyping::new(conversations.clone(), notifier.clone())),
        list_events: Arc::new(ListEvents::new(conversations.clone())),
        send_message: Arc::new(
            SendMessage::new(
                conversations.clone(),
                messages.clone(),
                send_limiter(settings),
                clock.clone(),
            )
            .with_attachments(attachments.repository.clone()),
        ),
        list_messages: Arc::new(ListMessages::new(conversations.clone(), messages.clone())),
        edit_message: Arc::new(EditMessage::new(
            conversations.clone(),
            messages.clone(),
            clock.clone(),
        )),
        delete_message: Arc::new(
            DeleteMessage::new(conversations.clone(), messages.clone(), clock.clone())
                .with_attachments(attachments.collect.clone()),
        ),
        search_messages: Arc::new(SearchMessages::new(messages.clone())),
        list_all_conversations: Arc::new(ListAllConversations::new(admin_directory.clone())),
        get_stats: Arc::new(GetStats::new(
            admin_directory,
            presence.clone(),
            census,
            clock.clone(),
        )),
        bots,
        react: Arc::new(React::new(
            conversations.clone(),
            messages.clone(),
            clock.clone(),
        )),
        pin_message: Arc::new(PinMessage::new(
            conversations.clone(),
            messages.clone(),
            clock.clone(),
        )),
        list_pins: Arc::new(ListPins::new(conversations.clone(), messages.clone())),
        list_thread: Arc::new(ListThread::new(conversations.clone(), messages)),
        mark_delivered: Arc::new(MoveMarker::new(Marker::Delivered, conversations, notifier)),
        database_health: Arc::new(SqlDatabaseHealth::new(&database)),
        subscribe_push: notification_routes.subscribe_push,
        delete_push_subscription: notification_routes.delete_push_subscription,
        get_preferences: notification_routes.get_preferences,
        update_preferences: notification_routes.update_preferences,
        set_conversation_notifications: notification_routes.set_conversation_notifications,
        unsubscribe: notification_routes.unsubscribe,
        vapid_public_key: notification_routes.vapid_public_key,
        webhooks: notification_routes.webhooks,
        hub,
        gateway: GatewaySettings {
            heartbeat_interval: millis(settings.realtime.heartbeat_interval_ms),
            typing_timeout: millis(settings.realtime.typing_timeout_ms),
            max_frame_bytes: settings.realtime.max_frame_bytes,
        },
        settings: WebSettings {
            max_body_bytes: settings.server.max_body_bytes,
            trusted_proxies: settings.throttle.trusted_proxies.clone(),
        },
        upload_attachment: attachments.upload,
        get_attachment: attachments.get,
        open_attachment: attachments.open,
    };
    Ok(Components {
        state,
        set_global_role: Arc::new(SetGlobalRole::new(users, clock.clone())),
        purge_expired_credentials: Arc::new(PurgeExpiredCredentials::new(sessions, resets, clock)),
        database,
        attachment_collector: crate::attachment_wiring::collect_periodically(
            attachments.collect,
            std::time::Duration::from_secs(settings.attachments.gc_interval_secs),
        ),
        pipeline,
    })
}

fn mailer(settings: &Settings) -> anyhow::Result<Arc<dyn Mailer>> {
    let mail = &settings.mail;
    Ok(match mail.transport {
        // Mail bodies carry reset tokens: only development and test logs may show them.
        MailTransport::Log if !settings.is_production() => Arc::new(LogMailer::revealing()),
        MailTransport::Log => Arc::new(LogMailer::redacting()),
        MailTransport::Smtp => {
            let smtp = &mail.smtp;
            let optional = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
            Arc::new(
                SmtpMailer::new(SmtpSettings {
                    host: smtp.host.clone(),
                    port: smtp.port,
                    username: optional(&smtp.username),
                    password: optional(smtp.password.expose()),
                    tls: match smtp.tls {
                        SmtpTlsMode::None => SmtpTls::None,
                        SmtpTlsMode::Starttls => SmtpTls::StartTls,
                        SmtpTlsMode::Tls => SmtpTls::Tls,
                    },
                    from: mail.from.clone(),
                    timeout_secs: smtp.timeout_secs,
                })
                .context("setting up SMTP mail")?,
            )
        }
    })
}

fn send_limiter(settings: &Settings) -> Arc<dyn SendRateLimiter> {
    let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    let limits = &settings.limits;
    Arc::new(SendLimitsByKind::new(
        GovernorSendLimiter::new(
            at_least_one(limits.sends_per_second),
            at_least_one(limits.send_burst),
        ),
        GovernorSendLimiter::new(
            at_least_one(limits.bot_sends_per_second),
            at_least_one(limits.bot_send_burst),
        ),
    ))
}

/// What the bot use-cases are built from.
struct BotPorts<'a> {
    database: &'a Database,
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn SecretGenerator>,
    leave_all: LeaveAllConversations,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

fn bot_use_cases(ports: BotPorts<'_>) -> BotUseCases {
    let bots: Arc<dyn BotRepository> = Arc::new(SqlBotRepository::new(ports.database));
    BotUseCases {
        create: Arc::new(CreateBot::new(
            bots.clone(),
            ports.hasher,
            ports.secrets.clone(),
            ports.clock.clone(),
        )),
        reissue_token: Arc::new(ReissueBotToken::new(
            bots.clone(),
            ports.secrets,
            ports.notifier.clone(),
            ports.clock,
        )),
        delete: Arc::new(DeleteBot::new(
            bots.clone(),
            ports.users,
            ports.leave_all,
            ports.notifier,
        )),
        authenticate: Arc::new(AuthenticateBot::new(bots)),
    }
}

/// Login and password-reset throttling, counted in Redis when the cluster bus is one (so
/// the limits hold cluster-wide), in this node's memory otherwise.
fn throttle(settings: &Settings) -> anyhow::Result<Throttle> {
    let url = settings.pubsub.url.expose();
    let shared = if url.is_empty() {
        None
    } else {
        palaver_pubsub::shared_attempt_counter(url, &settings.pubsub.namespace)
            .map_err(|error| anyhow::anyhow!("attempt counters on the cluster bus: {error}"))?
    };
    let counter: Arc<dyn AttemptCounter> = match shared {
        Some(counter) => counter,
        None => Arc::new(MemoryAttemptCounter::new()),
    };
    let limits = &settings.throttle;
    Ok(Throttle::new(
        counter,
        ThrottleLimits {
            login_per_account: limits.login_per_account,
            login_per_address: limits.login_per_address,
            login_window: std::time::Duration::from_secs(limits.login_window_secs),
            reset_per_email: limits.reset_per_email,
            reset_per_address: limits.reset_per_address,
            reset_window: std::time::Duration::from_secs(limits.reset_window_secs),
        },
    ))
}

/// The bus that joins this node to the others, if `pubsub.url` names one.
async fn cluster_bus(settings: &Settings) -> anyhow::Result<Option<Arc<dyn ClusterBus>>> {
    let url = settings.pubsub.url.expose();
    if url.is_empty() {
        return Ok(None);
    }
    let bus = palaver_pubsub::connect(url, &settings.pubsub.namespace)
        .await
        .map_err(|error| anyhow::anyhow!("joining the cluster bus: {error}"))?;
    Ok(Some(bus))
}

fn millis(ms: u64) -> std::time::Duration {
    std::time::Duration::from_millis(ms)
}

fn seconds(secs: u64) -> Duration {
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}
