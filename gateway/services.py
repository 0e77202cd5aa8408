"""Process-wide singletons built once from settings and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from config.settings import Settings
from graph.integrations import config as webhook_config
from graph.marketing.messages import configure_unsubscribe
from graph.marketing.sms import configure_status_reports
from graph.notifications.channels import Channels, LogSms, SmsSender, TwilioSms, use_channels
from graph.notifications.delivery import AfterCommitDelivery, deliver_after_commit
from storage import BlobStore, build_blob_store, use_blob_store
from tenants.db import Database
from tenants.identity import Identity, MailSettings
from tenants.login import PasswordLogin
from tenants.mail import LogSender, Mailer, MailSender, NoMailServer, SmtpSender
from tenants.passwords import Passwords
from tenants.security.policy import SecurityConfig
from tenants.security.policy import configure as configure_security
from tenants.throttle import LoginThrottle


@dataclass
class Services:
    settings: Settings
    db: Database
    identity: Identity
    login: PasswordLogin
    blobs: BlobStore
    replica: Database | None = None  # DATABASE_REPLICA_URL: read-only report queries

    @classmethod
    def build(cls, settings: Settings, database_url: str) -> Services:
        # Importing the schema imports every area, registering its tenant set-up hooks and jobs.
        import graph.schema  # noqa: F401

        db = Database(database_url, settings.db_pool_size, settings.statement_timeout_ms)
        passwords = Passwords(
            settings.argon2_memory_kib,
            settings.argon2_time_cost,
            settings.argon2_parallelism,
            settings.password_hash_concurrency,
            settings.password_hash_queue,
        )
        throttle = LoginThrottle(
            settings.login_max_failures_per_account,
            settings.login_max_failures_per_account_all_addresses,
            settings.login_max_failures_per_address,
            settings.login_window_seconds,
        )
        configure_security(
            SecurityConfig(
                session_idle_minutes=settings.session_idle_minutes,
                session_max_hours=settings.session_ttl_hours,
                mfa_issuer=settings.mfa_issuer,
                mfa_max_failures=settings.mfa_max_failures,
                mfa_window=timedelta(seconds=settings.login_window_seconds),
                mfa_challenge_ttl=timedelta(minutes=settings.mfa_challenge_minutes),
            )
        )
        identity = Identity(
            passwords,
            throttle,
            timedelta(hours=settings.session_ttl_hours),
            timedelta(hours=settings.invite_ttl_hours),
            MailSettings(
                Mailer(mail_sender(settings)),
                settings.show_invite_tokens,
                settings.invite_url,
                confirm_sign_ups=settings.is_production,
                sign_up_url=settings.signup_url,
            ),
            sign_up_ttl=timedelta(hours=settings.signup_ttl_hours),
        )
        # Notification email and SMS, sent by the delivery job (jobs receive no services).
        channels = Channels(mail=mail_sender(settings), sms=sms_sender(settings))
        use_channels(channels)
        configure_unsubscribe(settings.unsubscribe_url)  # the link in campaign email, read by the job
        configure_status_reports(settings.sms_status_url)  # where campaign SMS ask for delivery reports
        deliver_after_commit(AfterCommitDelivery(db, channels) if settings.notify_after_commit else None)
        # Webhook delivery (the job reads these; jobs receive no services).
        webhook_config.configure(
            webhook_config.WebhookConfig(
                allowed_networks=webhook_config.parse_networks(settings.webhook_allowed_networks),
                allow_http=settings.webhook_allow_http,
                timeout_seconds=settings.webhook_timeout_seconds,
                max_response_bytes=settings.webhook_max_response_bytes,
                max_attempts=settings.webhook_max_attempts,
                disable_after=settings.webhook_disable_after,
            )
        )
        # Login steps may hold a quarter of the pool (pool_size + as many overflow connections) at once.
        login = PasswordLogin(identity, max(1, settings.db_pool_size // 2))
        # Documents' bytes; jobs (which get no Services) reach the same store through `storage`.
        blobs = use_blob_store(build_blob_store(settings))
        replica = None
        if settings.database_replica_url:
            replica = Database(
                settings.database_replica_url, settings.db_pool_size, settings.statement_timeout_ms
            )
        return cls(settings=settings, db=db, identity=identity, login=login, blobs=blobs, replica=replica)

    async def dispose(self) -> None:
        """Closes both databases' pools."""
        await self.db.dispose()
        if self.replica is not None:
            await self.replica.dispose()


def mail_sender(settings: Settings) -> MailSender:
    if settings.smtp_host is None:
        return NoMailServer() if settings.is_production else LogSender()
    return SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        settings.mail_from,
        settings.smtp_username,
        settings.smtp_password,
        settings.smtp_security,
    )


def sms_sender(settings: Settings) -> SmsSender:
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.sms_from:
        return TwilioSms(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.sms_from,
            settings.twilio_api_url,
        )
    return LogSms()
