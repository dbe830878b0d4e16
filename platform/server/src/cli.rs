//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Guichet: online public services for French local authorities
/// (communes, départements, intercommunalités).
///
/// Configuration comes from an optional TOML file (--config) and from
/// GUICHET_* environment variables, which win; see the README for the keys.
#[derive(Debug, Parser)]
#[command(name = "guichet", version)]
pub struct Cli {
    /// TOML configuration file (keys in lower case: database_url, listen, …).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the tenant portal (/) and back office (/backoffice/) on
    /// GUICHET_LISTEN, and the provisioning plane on GUICHET_PROVISIONING_LISTEN.
    /// Refuses to start while migrations are pending, unless --migrate.
    /// The default command.
    Serve {
        /// Apply pending migrations first (SQLite, or a PostgreSQL role
        /// that owns the schema).
        #[arg(long)]
        migrate: bool,
        /// Record GUICHET_SECRET_KEY as the key every process shares, in
        /// place of the one recorded (to change keys: stop every process,
        /// start the first with this option, the others without).
        #[arg(long)]
        new_secret_key: bool,
    },
    /// Apply the pending database migrations, then exit. On PostgreSQL, run
    /// it with the owner role; with GUICHET_APP_ROLE set it also grants the
    /// runtime role its rights on the tables.
    Migrate,
    /// Create (idempotently) the demo collectivité `demo` and a demo
    /// super-admin, then print the URLs and logins to use. Not for production.
    Demo {
        /// Then serve, as `guichet serve` does.
        #[arg(long)]
        serve: bool,
    },
    /// Platform administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The LDAP directory (GUICHET_LDAP_URL).
    #[command(subcommand)]
    Ldap(LdapCommand),
    /// Serve the test bank on GUICHET_TEST_BANK_LISTEN (127.0.0.1:8099): a
    /// look-alike of PayFiP's web service for tests and demonstrations, which
    /// pays whatever is asked. Never for production.
    TestBank {
        /// Never notify: payments are then settled by the poller.
        #[arg(long)]
        without_notifications: bool,
    },
    /// Background jobs: counts per kind and state, and the failed ones with
    /// their last error.
    Jobs {
        /// Instead, run this failed job again (its attempts given back).
        #[arg(long, value_name = "ID")]
        retry: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LdapCommand {
    /// Re-read the directory, report its differences with the database and
    /// bring the database in line (agents, groups, écoles and centres de
    /// loisirs added, changed or removed outside Guichet).
    Sync {
        /// Only this collectivité (its slug); all of them by default.
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a super-admin of the platform (provisioning plane).
    CreateSuperadmin {
        /// The login to sign in with.
        #[arg(long)]
        login: String,
        /// Read the password from standard input (its first line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Make a bearer token for the JSON APIs, printed once: provisioning's
    /// (super-admins, referential admins) and the back office's (agents).
    Token {
        /// A super-admin's login, or an agent's `uid@slug`.
        #[arg(long)]
        login: String,
        /// Instead, revoke every token made for this login.
        #[arg(long)]
        revoke: bool,
        /// Days the token is valid (1 to 365).
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// The one API the token opens: `backoffice` (an agent's, with their
        /// rights; the default for agents) or `provisioning` (super-admins,
        /// and referential admins who ask for it).
        #[arg(long, value_parser = ["backoffice", "provisioning"])]
        scope: Option<String>,
    },
}
