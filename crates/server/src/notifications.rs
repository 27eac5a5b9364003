//! Wires the notification pipeline: the tap in front of the hub, the keys it keeps in the
//! database, its use-cases, and the consumers of committed events it feeds.

use anyhow::Context;
use palaver_application::notifications::{
    DeletePushSubscription, GetPreferences, SetConversationNotifications, SubscribePush,
    Unsubscribe, UpdatePreferences,
};
use palaver_application::webhooks::{CreateWebhook, ManageWebhooks};
use palaver_domain::ports::{
    Clock, ConversationRepository, Mailer, MessageRepository, Notifier, PresenceDirectory,
    SecretGenerator, ServerSecrets, UserRepository, WebhookRepository,
};
use palaver_notify::push::{VapidKeys, WebPushClient};
use palaver_notify::targets::TargetRules;
use palaver_notify::unsubscribe::UnsubscribeTokens;
use palaver_notify::webhooks::{
    RetrySchedule, WebhookConsumer, WebhookSender, WebhookSenderSettings,
};
use palaver_notify::{
    EventConsumer, NotificationTap, Pipeline, PipelinePorts, PipelineSettings, Wakeups,
};
use palaver_persistence::{Database, SqlNotifications, SqlWebhooks};
use palaver_settings::Settings;
use palaver_web::WebhookUseCases;
use std::sync::Arc;

/// The tap every writer announces through: it forwards to `hub` and wakes the pipeline.
pub(crate) fn tap(hub: Arc<dyn Notifier>) -> (Arc<dyn Notifier>, Wakeups) {
    let (tap, wakeups) = NotificationTap::new(hub);
    (Arc::new(tap), wakeups)
}

/// Webhooks: the consumer that stores a delivery for each event a webhook wants, and the
/// sender that POSTs them (started once the pipeline is).
struct Webhooks {
    consumer: Arc<dyn EventConsumer>,
    sender: WebhookSender,
    stored: Arc<tokio::sync::Notify>,
}

fn webhooks(
    settings: &Settings,
    repository: Arc<dyn WebhookRepository>,
) -> anyhow::Result<Webhooks> {
    let config = &settings.webhooks;
    // Any setting, however large, becomes a span the clock can add without overflowing.
    const TEN_YEARS_SECS: u64 = 10 * 366 * 86_400;
    let seconds =
        |secs: u64| chrono::Duration::seconds(i64::try_from(secs.min(TEN_YEARS_SECS)).unwrap_or(0));
    let stored = Arc::new(tokio::sync::Notify::new());
    let sender = WebhookSender::new(
        repository.clone(),
        WebhookSenderSettings {
            schedule: RetrySchedule {
                base: chrono::Duration::milliseconds(
                    i64::try_from(config.retry_base_ms.clamp(1, 86_400_000)).unwrap_or(1),
                ),
                max: seconds(config.retry_max_secs.max(1)),
                give_up_after: seconds(config.give_up_after_secs),
            },
            disable_after: config.disable_after_failures,
            timeout: std::time::Duration::from_secs(config.timeout_secs.clamp(1, 3600)),
            allow_private_targets: settings.notifications.allow_private_targets,
            poll_interval: std::time::Duration::from_millis(
                settings.notifications.poll_interval_ms.max(10),
            ),
            keep_finished: seconds(u64::from(config.keep_deliveries_days) * 86_400),
        },
    )
    .map_err(|error| anyhow::anyhow!("the webhook sender: {error}"))?;
    Ok(Webhooks {
        consumer: Arc::new(WebhookConsumer::new(repository, stored.clone())),
        sender,
        stored,
    })
}

/// The use-cases and key the web layer needs.
pub(crate) struct NotificationRoutes {
    pub subscribe_push: Arc<SubscribePush>,
    pub delete_push_subscription: Arc<DeletePushSubscription>,
    pub get_preferences: Arc<GetPreferences>,
    pub update_preferences: Arc<UpdatePreferences>,
    pub set_conversation_notifications: Arc<SetConversationNotifications>,
    pub unsubscribe: Arc<Unsubscribe>,
    pub vapid_public_key: Arc<str>,
    pub webhooks: WebhookUseCases,
}

/// What the pipeline reads and writes through.
pub(crate) struct NotificationPorts {
    pub conversations: Arc<dyn ConversationRepository>,
    pub messages: Arc<dyn MessageRepository>,
    pub users: Arc<dyn UserRepository>,
    pub presence: Arc<dyn PresenceDirectory>,
    pub mailer: Arc<dyn Mailer>,
    pub secrets: Arc<dyn SecretGenerator>,
    pub clock: Arc<dyn Clock>,
}

/// Loads (or makes and stores) the keys, starts the pipeline, builds the use-cases.
pub(crate) async fn start(
    settings: &Settings,
    database: &Database,
    wakeups: Wakeups,
    ports: NotificationPorts,
) -> anyhow::Result<(Pipeline, NotificationRoutes)> {
    let config = &settings.notifications;
    let store = Arc::new(SqlNotifications::new(database));
    let configured = config.vapid_private_key.expose();
    let private = if configured.is_empty() {
        store
            .get_or_insert("vapid_private_key", &VapidKeys::generate_private())
            .await
            .context("loading the VAPID key pair")?
    } else {
        configured.to_owned()
    };
    let vapid = VapidKeys::from_private(&private)
        .map_err(|error| anyhow::anyhow!("the VAPID private key: {error}"))?;
    let unsubscribe_key = store
        .get_or_insert("unsubscribe_key", &UnsubscribeTokens::generate_key())
        .await
        .context("loading the unsubscribe links' key")?;
    let tokens = UnsubscribeTokens::new(unsubscribe_key.as_bytes());
    let vapid_public_key: Arc<str> = Arc::from(vapid.public_key());
    let push = WebPushClient::new(vapid, config.vapid_subject.clone(), config.push_ttl_secs)
        .map_err(|error| anyhow::anyhow!("the Web Push client: {error}"))?;
    let webhook_store: Arc<dyn WebhookRepository> = Arc::new(SqlWebhooks::new(database));
    let webhooks = webhooks(settings, webhook_store.clone())?;
    let mut pipeline = Pipeline::start(
        PipelinePorts {
            cursors: store.clone(),
            store: store.clone(),
            conversations: ports.conversations.clone(),
            messages: ports.messages,
            users: ports.users,
            presence: ports.presence,
            subscriptions: store.clone(),
            mailer: ports.mailer,
            push: Arc::new(push),
            unsubscribe: tokens.clone(),
        },
        PipelineSettings {
            notifications: config.enabled,
            delay: chrono::Duration::seconds(
                i64::try_from(config.delay_secs).unwrap_or(i64::MAX / 1000),
            ),
            poll_interval: std::time::Duration::from_millis(config.poll_interval_ms.max(10)),
            push_max_attempts: config.push_max_attempts,
            push_retry_base: chrono::Duration::seconds(
                i64::try_from(config.push_retry_base_secs).unwrap_or(3600),
            ),
            public_url: config.public_url.clone(),
        },
        wakeups,
        vec![webhooks.consumer],
    )
    .await;
    pipeline.adopt(webhooks.sender.spawn(webhooks.stored));
    let targets = Arc::new(TargetRules {
        allow_private: config.allow_private_targets,
    });
    let routes = NotificationRoutes {
        subscribe_push: Arc::new(SubscribePush::new(
            store.clone(),
            targets.clone(),
            ports.clock.clone(),
        )),
        delete_push_subscription: Arc::new(DeletePushSubscription::new(store.clone())),
        get_preferences: Arc::new(GetPreferences::new(store.clone())),
        update_preferences: Arc::new(UpdatePreferences::new(store.clone())),
        set_conversation_notifications: Arc::new(SetConversationNotifications::new(
            ports.conversations,
            store.clone(),
        )),
        unsubscribe: Arc::new(Unsubscribe::new(Arc::new(tokens), store)),
        vapid_public_key,
        webhooks: WebhookUseCases {
            create: Arc::new(CreateWebhook::new(
                webhook_store.clone(),
                targets,
                ports.secrets,
                ports.clock.clone(),
            )),
            manage: Arc::new(ManageWebhooks::new(webhook_store, ports.clock)),
        },
    };
    Ok((pipeline, routes))
}
