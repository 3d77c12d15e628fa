"""Settings, read from NINEPLUS_* environment variables (and a .env file when present)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Every setting a deployment needs; the README lists them (a test keeps that list honest)."""

    model_config = SettingsConfigDict(env_prefix="NINEPLUS_", env_file=".env", extra="ignore")
    _generated_key: str | None = PrivateAttr(None)

    data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Folder for the embedded database and the secret key."
    )
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite at DATA_DIR/nineplus.db.")
    secret_key: str = Field("", description="Signs tokens; empty means a key generated once into DATA_DIR.")
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL used in e-mailed links.")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set true behind HTTPS).")
    session_days: int = Field(14, description="Days a login session lasts.")
    session_idle_hours: int = Field(
        12, ge=1, description="Hours without a request after which a login session has expired."
    )
    smtp_host: str = Field("", description="SMTP server; empty means e-mails are written to the log.")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_user: str = Field("", description="SMTP user name, if the server wants one.")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    mail_from: str = Field("nineplus <noreply@localhost>", description="Sender of e-mails.")
    bounce_domain: str = Field(
        "",
        description="Domain of the return address of survey e-mails (VERP: bounce+<signed id>@DOMAIN), "
        "whose mail `nineplus bounces serve` receives; empty means bounces go to the From address.",
    )
    run_jobs: bool = Field(
        True,
        description="Run the in-process job runner inside the web server (the embedded queue only; "
        "with the PostgreSQL queue, `nineplus worker` runs the jobs).",
    )
    job_queue: str = Field(
        "auto",
        pattern="^(auto|embedded|postgresql)$",
        description="Where jobs wait: `embedded` (the jobs table, polled by the in-process runner), "
        "`postgresql` (procrastinate, run by `nineplus worker`; needs PostgreSQL), or `auto` (postgresql "
        "on PostgreSQL, embedded on SQLite).",
    )
    worker_heartbeat_seconds: float = Field(
        10.0, gt=0, description="How often a `nineplus worker` tells the database it is alive."
    )
    worker_stalled_seconds: float = Field(
        30.0,
        gt=0,
        description="A worker silent for this long counts as dead: the leading worker takes its running "
        "jobs back and runs them again (and takes the lead, if the dead one held it).",
    )
    webhook_retry_seconds: float = Field(
        5.0, gt=0, description="The pause after a webhook's first failed attempt; it doubles each time."
    )
    webhook_max_attempts: int = Field(
        12,
        ge=1,
        description="Attempts before a webhook delivery waits as failed (12: about six hours of trying).",
    )
    webhook_allow_private: bool = Field(
        False,
        description="Let webhooks go to loopback and private addresses and over plain http (a test "
        "receiver, an internal system); off, a URL must be https and public.",
    )
    spark_master: str = Field(
        "",
        description="The Spark cluster the analytics run on over the Parquet export (e.g. "
        "`spark://spark-master:7077`); empty means a local Spark session.",
    )
    spark_cores: int = Field(
        2, ge=1, description="The most cores one analytics session takes on the cluster."
    )
    spark_executor_memory: str = Field("1g", description="Memory per Spark executor on the cluster.")
    feed_dir: Path | None = Field(
        None,
        description="The drop folder for customer event files: DATA/<organisation slug>/incoming/*.csv, read "
        "every minute (empty: events come in through the API only).",
    )
    metrics_token: str = Field(
        "",
        description="The bearer token a Prometheus scrape of /metrics sends; empty means /metrics answers "
        "loopback clients only.",
    )
    log_format: str = Field(
        "text",
        pattern="^(text|json)$",
        description="Log lines of the server and the worker: `text` for people, `json` (one object per line) "
        "for a log collector.",
    )
    default_locale: str = Field("nl", description="UI language when the browser states no preference.")
    group_commit: bool = Field(
        True,
        description="Store whole-response submissions through one writer that commits concurrent ones "
        "together (false: one transaction per submission).",
    )
    group_commit_max: int = Field(500, ge=1, description="Most submissions one group commit stores.")
    analytics_path: Path | None = Field(
        None,
        description="The analytic store (a DuckDB file, written by the process that runs the jobs); "
        "empty means DATA_DIR/analytics.duckdb.",
    )
    analytics_refresh_seconds: int = Field(
        60, ge=5, description="How often the job runner copies new responses into the analytic store."
    )
    analytics_export_dir: Path | None = Field(
        None,
        description="When set, every refresh that changed the store also updates the Parquet export in "
        "this folder (what Spark reads, and the web servers beside `nineplus worker`); empty means "
        "DATA_DIR/analytics-export with the PostgreSQL queue, else export only on "
        "`nineplus analytics export`.",
    )
    text_embeddings: bool = Field(
        False,
        description="Also link customers' comments to moments, and give them their theme, by meaning, with "
        "the sentence-transformers model installed on this machine (the embeddings extra; "
        "NINEPLUS_EMBEDDING_MODEL names a local model folder, else the packaged English all-MiniLM-L6-v2, "
        "used for English comments only). Off: keywords, moment names and the topic model.",
    )
    embedding_languages: str = Field(
        "nl,en",
        description="The languages the model NINEPLUS_EMBEDDING_MODEL names was trained on "
        "(comma-separated); comments in other languages keep the keyword path. The packaged model is "
        "English only.",
    )
    rate_limits: bool = Field(
        True,
        description="Refuse requests over the abuse limits (logins, password resets, public pages and "
        "submissions, the API) with 429; false switches every limit off.",
    )
    rate_limit_overrides: str = Field(
        "",
        description="Limits that differ from the defaults, as `rule=N/period; ...` "
        "(e.g. `public_posts_per_address=200/minute`); the README lists the rules.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where the limits are counted: `memory://` (each server process counts on its own) "
        "or a store the `limits` library knows, e.g. `redis://host:6379` with the redis package.",
    )
    oidc_issuer: str = Field(
        "", description="Single sign-on for staff: the OpenID Connect provider's issuer URL (empty: off)."
    )
    oidc_client_id: str = Field("", description="The client id nineplus has at the OpenID Connect provider.")
    oidc_client_secret: str = Field("", description="Its client secret (empty for a public client).")
    oidc_organisation: str = Field(
        "", description="The slug of the organisation whose staff log in through the provider."
    )
    oidc_roles_claim: str = Field("roles", description="The ID token's claim that lists the user's groups.")
    oidc_role_map: str = Field(
        "",
        description="Groups to roles, as `group=role; ...` (e.g. `cx-admins=admin; cx-team=cx_lead`); the "
        "strongest matching role counts, at every login.",
    )
    oidc_default_role: str = Field(
        "", description="The role of a user whose groups map to none (empty: such a user is refused)."
    )
    oidc_label: str = Field("Single sign-on", description="The text of the login page's button for it.")
    minimum_n: int = Field(
        10, ge=1, description="Answers a score or a point of the measured curve needs before it is shown."
    )

    def uses_job_queue(self) -> bool:
        """Whether jobs travel through procrastinate (needs PostgreSQL) rather than the in-process runner."""
        return self.job_queue != "embedded" and self.resolved_database_url().startswith("postgresql")

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'nineplus.db').as_posix()}"

    def resolved_analytics_path(self) -> Path:
        return self.analytics_path or self.data_dir / "analytics.duckdb"

    def resolved_analytics_export_dir(self) -> Path | None:
        """The export folder; with the PostgreSQL queue always one (DATA_DIR/analytics-export unless set),
        since the web servers read their figures from it."""
        if self.analytics_export_dir is None and self.uses_job_queue():
            return self.data_dir / "analytics-export"
        return self.analytics_export_dir

    def resolved_secret_key(self) -> str:
        """Return the secret key; generate one into the data folder on first use."""
        if self.secret_key:
            return self.secret_key
        if self._generated_key is None:  # read once: every request signs with it
            path = self.data_dir / "secret_key"
            if not path.exists():
                self.data_dir.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_urlsafe(48))
                path.chmod(0o600)
            self._generated_key = path.read_text().strip()
        return self._generated_key


@lru_cache
def get_settings() -> Settings:
    return Settings()
