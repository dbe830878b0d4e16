//! What each command does. Failures come back as one French line for the
//! operator; `main` prints it and exits non-zero.

use std::io::BufRead;

use crate::config::Config;
use actix_web::{web, HttpServer};
use guichet_core::agents::principal;
use guichet_core::agents::sync;
use guichet_core::audit;
use guichet_core::auth::superadmin::{self, SuperAdminError};
use guichet_core::directory::Directory;
use guichet_core::files::FileStore;
use guichet_core::jobs::{self, Job, Runner};
use guichet_core::mail::smtp::SmtpSender;
use guichet_core::store::{Backend, Store, StoreError};
use guichet_core::tenancy;
use guichet_core::Error;
use guichet_web::session;
use guichet_web::tenant::TenantCache;
use std::time::Duration;

use crate::app::{provisioning_app, public_app, Shared};
use crate::demo;

#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// Opens the database and applies pending migrations.
pub fn open_store(config: &Config) -> Result<Store, Failure> {
    let store = Store::open_for_command(&config.database_url)?;
    apply_migrations(&store, config)?;
    Ok(store)
}

/// Applies pending migrations, then (PostgreSQL, `GUICHET_APP_ROLE` set)
/// grants the runtime role its rights on the tables, new ones included.
fn apply_migrations(store: &Store, config: &Config) -> Result<Vec<String>, Failure> {
    let applied = store.migrate()?;
    for m in &applied {
        tracing::info!(migration = %m, "migration appliquée");
    }
    if let Some(role) = &config.app_role {
        store.grant_runtime(role)?;
    }
    Ok(applied)
}

pub fn migrate(config: &Config) -> Result<(), Failure> {
    let store = Store::open_for_command(&config.database_url)?;
    let applied = apply_migrations(&store, config)?;
    if let (Some(role), Backend::Postgres) = (&config.app_role, store.backend()) {
        println!("Droits du rôle d’exécution « {role} » à jour.");
    }
    if applied.is_empty() {
        println!(
            "Base de données à jour ({}).",
            config.database_url.redacted()
        );
    } else {
        println!(
            "Migrations appliquées à {} :",
            config.database_url.redacted()
        );
        for m in applied {
            println!("  {m}");
        }
    }
    Ok(())
}

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_NAME: &str = "Ville de Démo";
pub const DEMO_ADMIN: &str = "demo-admin";
/// Printed by `guichet demo`: a demonstration platform is meant to be clicked through.
pub const DEMO_ADMIN_PASSWORD: &str = "demo-guichet-2026";

/// The demo collectivité's referential admin (provisioning) signs in as `camille.martin@demo`.
pub const DEMO_REFERENTIAL_ADMIN: &str = "camille.martin";

/// Creates what the demo needs, unless it is there already.
pub fn demo(config: &Config) -> Result<(), Failure> {
    // The demo's passwords are printed and published: never reachable from elsewhere.
    if !config.provisioning_listen.ip().is_loopback() {
        return Err(Failure(format!(
            "la démonstration publie ses mots de passe : GUICHET_PROVISIONING_LISTEN ({}) doit rester une adresse locale (127.0.0.1)",
            config.provisioning_listen
        )));
    }
    let store = open_store(config)?;
    let directory = Directory::from_config(config.ldap.as_ref());
    let exists = store
        .platform_read(|c| tenancy::find_by_slug(c, DEMO_SLUG))?
        .is_some();
    if !exists {
        demo::populate(&store, &directory, config.listen.port())
            .map_err(|e| Failure(format!("création de la démonstration : {}", describe(&e))))?;
    }
    store.platform_write(|c| -> Result<(), SuperAdminError> {
        if !superadmin::exists(c, DEMO_ADMIN)? {
            superadmin::create(c, DEMO_ADMIN, DEMO_ADMIN_PASSWORD)?;
        }
        Ok(())
    })?;
    let tenant = store
        .platform_read(|c| tenancy::find_by_slug(c, DEMO_SLUG))?
        .ok_or_else(|| Failure("la collectivité de démonstration a disparu".into()))?;
    let made = demo::populate_portal(&store, &tenant, config.listen.port()).map_err(|e| {
        Failure(format!(
            "création du foyer de démonstration : {}",
            describe(&e)
        ))
    })?;
    if let Some(made) = made {
        let files =
            FileStore::open(config.object_store_url.as_ref(), &config.data_dir).map_err(Failure)?;
        demo::deposit_proof(&store, &files, &tenant, made)
            .map_err(|e| Failure(format!("justificatif de démonstration : {}", describe(&e))))?;
        demo::owe(&store, &tenant, made.0)
            .map_err(|e| Failure(format!("factures de démonstration : {}", describe(&e))))?;
    }
    let port = config.listen.port();
    let prov = config.provisioning_listen;
    println!(
        "Collectivité de démonstration « {} » {} (identifiant court : {DEMO_SLUG}).",
        tenant.name,
        if exists {
            "déjà présente"
        } else {
            "créée"
        }
    );
    println!(
        "Une fois le serveur lancé (guichet serve), chacun avec le mot de passe {DEMO_ADMIN_PASSWORD} (démonstration uniquement) :"
    );
    println!("  Usagers, portail : http://{DEMO_SLUG}.localhost:{port}/");
    println!(
        "    {} : le foyer Durand (Claire, Marc, Léo et Jade ; des demandes envoyées, un brouillon, des factures à payer)",
        demo::DEMO_HOUSEHOLD
    );
    println!("    ou sans compte, ou en créant le sien");
    println!("  Agents, espace des agents : http://{DEMO_SLUG}.localhost:{port}/backoffice/");
    for (uid, what) in demo::AGENTS {
        println!("    {uid} : {what}");
    }
    println!("  Administration : http://{prov}/");
    println!(
        "    {DEMO_REFERENTIAL_ADMIN}@{DEMO_SLUG} : administratrice du référentiel de la collectivité"
    );
    println!("    {DEMO_ADMIN} : super-administrateur (toutes les collectivités)");
    Ok(())
}

/// One line for an operator: the field errors spelled out.
pub fn describe(e: &Error) -> String {
    match e {
        Error::Invalid(errors) => errors
            .iter()
            .map(|f| format!("{} : {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join(" ; "),
        other => other.to_string(),
    }
}

pub fn ldap_sync(config: &Config, only: Option<&str>) -> Result<(), Failure> {
    if config.ldap.is_none() {
        return Err(Failure(
            "aucun annuaire LDAP configuré (GUICHET_LDAP_URL) : l’annuaire intégré est la base elle-même, il n’y a rien à synchroniser".into(),
        ));
    }
    let store = open_store(config)?;
    let directory = Directory::from_config(config.ldap.as_ref());
    let tenants = match only {
        Some(slug) => vec![store
            .platform_read(|c| tenancy::find_by_slug(c, slug))?
            .ok_or_else(|| Failure(format!("collectivité inconnue : « {slug} »")))?],
        None => store.platform_read(tenancy::list)?,
    };
    for tenant in tenants {
        let report = sync::sync_tenant(&store, &directory, &tenant)
            .map_err(|e| Failure(format!("{} : {}", tenant.slug, describe(&e))))?;
        let lines = report.lines();
        if lines.is_empty() {
            println!("{} : à jour", tenant.slug);
        } else {
            println!(
                "{} : {} différence(s) corrigée(s)",
                tenant.slug,
                lines.len()
            );
            for l in lines {
                println!("  {l}");
            }
        }
    }
    Ok(())
}

/// Who runs a command, for the audit trail: the operating system's user.
fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "inconnu".into());
    format!("cli:{user}")
}

pub fn admin_token(
    config: &Config,
    login: &str,
    revoke: bool,
    days: i64,
    scope: Option<&str>,
) -> Result<(), Failure> {
    let store = open_store(config)?;
    if revoke {
        let n = principal::revoke_tokens(&store, login, &operator())?;
        println!("{n} jeton(s) révoqué(s) pour « {login} ».");
        return Ok(());
    }
    let scope = scope.and_then(principal::Scope::parse);
    let token = principal::issue_scoped_token(&store, login, scope, days, &operator())?;
    println!("{token}");
    Ok(())
}

pub fn create_superadmin(config: &Config, login: &str) -> Result<(), Failure> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        Failure(format!(
            "lecture du mot de passe sur l’entrée standard : {e}"
        ))
    })?;
    let password = line.trim_end_matches(['\r', '\n']);
    let store = open_store(config)?;
    store.platform_write(|c| -> Result<(), SuperAdminError> {
        superadmin::create(c, login, password)?;
        audit::record_platform(
            c,
            &operator(),
            "super-admin.create",
            "super-admin",
            login,
            None,
        )?;
        Ok(())
    })?;
    println!("Super-administrateur « {login} » créé.");
    Ok(())
}

/// On PostgreSQL, refuses a role that bypasses row-level security (a
/// superuser, or BYPASSRLS): the second wall between collectivités would be down.
fn check_row_security(store: &Store) -> Result<(), Failure> {
    if store.backend() != Backend::Postgres || store.row_security_enforced()? {
        return Ok(());
    }
    Err(Failure(
        "le rôle PostgreSQL de GUICHET_DATABASE_URL est superutilisateur ou BYPASSRLS : la sécurité au niveau des lignes ne s’appliquerait pas. Servez avec le rôle d’exécution (voir le README, « Running on PostgreSQL »)".into(),
    ))
}

/// `migrate`: apply pending migrations first (`serve --migrate`); otherwise
/// pending migrations stop the server, which must not run on a schema it
/// does not know.
/// `with_test_bank`: the demo's, which pays against the test bank (started
/// here on GUICHET_TEST_BANK_LISTEN) unless GUICHET_PAYFIP_URL is set.
/// How `serve` starts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Serving {
    /// Apply pending migrations first.
    pub migrate: bool,
    /// Record this process's secret key as the one all share.
    pub new_secret_key: bool,
    /// Serve the loopback look-alike of PayFiP too (the demo).
    pub test_bank: bool,
}

pub fn serve(config: &Config, serving: Serving) -> Result<(), Failure> {
    let Serving {
        migrate,
        new_secret_key,
        test_bank: with_test_bank,
    } = serving;
    if let Some(problem) = config.serving_problem() {
        return Err(Failure(problem));
    }
    {
        // Checked on a pool that opens nothing by itself: a refusal here exits
        // with no connection being opened in the background.
        let store = Store::open_for_command(&config.database_url)?;
        check_row_security(&store)?;
        if migrate {
            apply_migrations(&store, config)?;
        } else {
            let pending = store.pending_migrations()?;
            if !pending.is_empty() {
                return Err(Failure(format!(
                    "la base de données attend {} migration(s) ({}) : lancez « guichet migrate » avec le rôle propriétaire, ou « guichet serve --migrate »",
                    pending.len(),
                    pending.join(", ")
                )));
            }
        }
    }
    let pool_size = config
        .pool_size
        .unwrap_or_else(|| Store::default_pool_size(config.database_url.backend()));
    let mut store = Store::open_pool(&config.database_url, pool_size, config.pool_wait)?;
    if let Some(replica) = &config.replica_url {
        store = store.with_replica(replica, pool_size, config.replica_max_lag)?;
        tracing::info!(replica = %replica.redacted(), "recherches, exports et statistiques lus sur la réplique quand elle est à jour");
    }
    let key = session::load_or_create_key(config.secret_key.as_deref(), &config.data_dir).map_err(
        |e| {
            Failure(format!(
                "clé secrète dans {} : {e}",
                config.data_dir.display()
            ))
        },
    )?;
    same_key_as_the_others(&store, &key, new_secret_key)?;
    let tenants = store
        .platform_read(tenancy::list)
        .map_err(|e: StoreError| Failure(e.to_string()))?;
    let sender = match &config.smtp_url {
        Some(url) => {
            tracing::info!(smtp = %redact_url(url), "courriels envoyés depuis la file d’envoi");
            Some(SmtpSender::new(url, &config.smtp_from).map_err(Failure)?)
        }
        None => {
            tracing::info!("GUICHET_SMTP_URL absent : les courriels restent dans la file d’envoi");
            None
        }
    };
    let files =
        FileStore::open(config.object_store_url.as_ref(), &config.data_dir).map_err(Failure)?;
    let bank = (with_test_bank && config.payfip_url.is_none()).then_some(config.test_bank_listen);
    let payfip_url = match bank {
        Some(addr) => Some(
            url::Url::parse(&format!("http://{addr}"))
                .map_err(|e| Failure(format!("banque de test : {e}")))?,
        ),
        None => config.payfip_url.clone(),
    };
    let online = crate::app::payfip(payfip_url.as_ref());
    // A collectivité suspended or a host added by another process: this
    // one's cache of host names drops at once.
    guichet_core::store::tenancy::follow_changes(&config.database_url, tenancy::changed)
        .map_err(|e| Failure(format!("écoute des changements de collectivités : {e}")))?;
    let runner = jobs_runner(&store, config, sender, files.clone(), online.clone());
    let jobs_stopping = runner.stopping();
    let jobs = runner
        .spawn(std::time::Duration::from_secs(1))
        .map_err(|e| Failure(format!("file des tâches non démarrée : {e}")))?;
    let directory = Directory::from_config(config.ldap.as_ref());
    let provisioning_store = Store::open_with(&config.database_url, 4, 1)?;
    let mut shared = Shared::new(store, directory, key, config.listen.port());
    shared.provisioning_store = web::Data::new(provisioning_store);
    shared.proconnect = web::Data::new(guichet_backoffice::ProConnect(config.proconnect.clone()));
    shared.sms = web::Data::new(guichet_backoffice::Sms(config.sms.is_some()));
    shared.hosting = web::Data::new(guichet_web::legal::Hosting(config.hosting.clone()));
    shared.provisioning = web::Data::new(
        guichet_provisioning::Provisioning::new(config.listen.port())
            .with_proconnect(config.proconnect.is_some()),
    );
    shared.franceconnect = web::Data::new(guichet_tenant_portal::FranceConnect(
        config.franceconnect.clone(),
    ));
    shared.files = web::Data::new(files);
    shared.online = web::Data::new(online);
    shared.secure_cookies = config.secure_cookies;
    shared.trusted_proxies = web::Data::new(config.trusted_proxies.clone());
    // Behind a reverse proxy, `{slug}.localhost` would be any client's to send.
    shared.tenants = web::Data::new(TenantCache::new(
        config.listen.ip().is_loopback() && config.trusted_proxies.is_empty(),
    ));
    shared.session_idle = config.session_idle;
    shared.session_max = config.session_max;
    let (listen, prov_listen, drain) = (config.listen, config.provisioning_listen, config.drain);
    actix_web::rt::System::new().block_on(async move {
        let signals = Signals::listen();
        let s = shared.clone();
        let public = HttpServer::new(move || public_app(&s))
            .shutdown_timeout(10)
            .bind(listen)
            .map_err(|e| Failure(format!("écoute impossible sur {listen} (GUICHET_LISTEN) : {e}")))?;
        let s = shared.clone();
        let provisioning = HttpServer::new(move || provisioning_app(&s))
            .workers(1)
            .shutdown_timeout(10)
            .bind(prov_listen)
            .map_err(|e| {
                Failure(format!(
                    "écoute impossible sur {prov_listen} (GUICHET_PROVISIONING_LISTEN) : {e}"
                ))
            })?;
        let public_addr = public.addrs()[0];
        let prov_addr = provisioning.addrs()[0];
        if let Some(addr) = bank {
            let listener = std::net::TcpListener::bind(addr).map_err(|e| {
                Failure(format!("écoute impossible sur {addr} (GUICHET_TEST_BANK_LISTEN) : {e}"))
            })?;
            let test_bank = crate::testbank::TestBank::new(addr.port(), crate::testbank::Notify::Post);
            actix_web::rt::spawn(async move {
                if let Err(e) = test_bank.serve(listener).await {
                    tracing::error!(error = %e, "banque de test arrêtée");
                }
            });
            println!("  Banque de test (paiements de démonstration, aucun argent réel) : http://{addr}/");
        }
        println!("Guichet est prêt.");
        println!("  Portails des collectivités et espaces agents : http://{public_addr}/ (selon le nom d’hôte)");
        for t in tenants.iter().filter(|t| t.state == tenancy::TenantState::Active).take(20) {
            println!(
                "    {} : http://{}.localhost:{}/ et /backoffice/",
                t.name,
                t.slug,
                public_addr.port()
            );
        }
        println!("  Administration de la plateforme : http://{prov_addr}/");
        println!("  Santé : http://{public_addr}/healthz et /readyz");
        // One watcher of the stop signals stops both servers: each server
        // watching for itself left one running when a SIGTERM came early.
        let (public, provisioning) = (
            public.disable_signals().run(),
            provisioning.disable_signals().run(),
        );
        let handles = (public.handle(), provisioning.handle());
        let draining = shared.draining.clone();
        actix_web::rt::spawn(async move {
            // A service manager's stop drains first: `/readyz` fails so that
            // the balancer sends no more, then the requests in flight finish.
            // Ctrl-C at a terminal stops at once (the requests in flight still
            // finish).
            let stop = signals.stop_requested().await;
            // The jobs claim nothing more from now; the one in hand finishes.
            jobs_stopping.start();
            if stop == Stop::Terminate {
                draining.start();
                tracing::info!(seconds = drain.as_secs(), "arrêt demandé : le répartiteur est prévenu (/readyz), puis arrêt");
                actix_web::rt::time::sleep(drain).await;
            }
            futures_util::future::join(handles.0.stop(true), handles.1.stop(true)).await;
        });
        let (a, b) = futures_util::future::join(public, provisioning).await;
        // The jobs' thread finishes its job in hand and gives back the rest
        // (an e-mail sent is recorded first), within the servers' own grace.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !jobs.is_finished() && std::time::Instant::now() < deadline {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        if !jobs.is_finished() {
            tracing::warn!("file des tâches encore occupée à l’arrêt : ses tâches seront reprises à la fin de leur bail");
        }
        a.and(b).map_err(|e| Failure(format!("serveur arrêté sur une erreur : {e}")))
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// SIGINT: Ctrl-C at a terminal.
    Interrupt,
    /// SIGTERM: a service manager's stop.
    Terminate,
}

/// Every process must sign and encrypt the session cookies with the same
/// key, or the sessions one opens are unknown to the others: the first
/// records its key's digest, the others must have it.
fn same_key_as_the_others(
    store: &Store,
    key: &actix_web::cookie::Key,
    new_key: bool,
) -> Result<(), Failure> {
    use sha2::{Digest, Sha256};
    let digest = format!(
        "{:x}",
        Sha256::digest([b"guichet-session-key:".as_slice(), key.master()].concat())
    );
    let now = chrono::Utc::now().naive_utc();
    let other = store
        .platform_write(|c| {
            guichet_core::store::repo::sessions::agree_on_key(c, "session", &digest, new_key, now)
        })
        .map_err(|e| Failure(e.to_string()))?;
    match other {
        None => Ok(()),
        Some(since) => Err(Failure(format!(
            "GUICHET_SECRET_KEY n’est pas la clé des autres processus de cette base (celle enregistrée le {} UTC) : donnez la même à chaque processus ; pour en changer, arrêtez-les tous et démarrez le premier avec « guichet serve --new-secret-key »",
            since.format("%d/%m/%Y à %H:%M")
        ))),
    }
}

/// The stop signals, listened to from before the servers accept anything:
/// a SIGTERM that comes early drains too, it does not kill the process.
struct Signals {
    #[cfg(unix)]
    terminate: Option<actix_web::rt::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<actix_web::rt::signal::unix::Signal>,
}

impl Signals {
    /// Within the runtime.
    fn listen() -> Signals {
        #[cfg(unix)]
        {
            use actix_web::rt::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| {
                signal(kind)
                    .map_err(|e| tracing::error!(error = %e, "{name} ne peut pas être écouté"))
                    .ok()
            };
            Signals {
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
                interrupt: listen(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
    async fn stop_requested(self) -> Stop {
        #[cfg(unix)]
        {
            use futures_util::future::{pending, select, Either};
            let wait = |s: Option<actix_web::rt::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => pending::<()>().await,
                }
            };
            match select(
                Box::pin(wait(self.terminate)),
                Box::pin(wait(self.interrupt)),
            )
            .await
            {
                Either::Left(_) => Stop::Terminate,
                Either::Right(_) => Stop::Interrupt,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = actix_web::rt::signal::ctrl_c().await;
            Stop::Interrupt
        }
    }
}

pub fn test_bank(config: &Config, without_notifications: bool) -> Result<(), Failure> {
    let addr = config.test_bank_listen;
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        Failure(format!(
            "écoute impossible sur {addr} (GUICHET_TEST_BANK_LISTEN) : {e}"
        ))
    })?;
    let notify = if without_notifications {
        crate::testbank::Notify::Drop
    } else {
        crate::testbank::Notify::Post
    };
    println!("Banque de test PayFiP sur http://{addr}/ (GUICHET_PAYFIP_URL=http://{addr})");
    actix_web::rt::System::new()
        .block_on(crate::testbank::TestBank::new(addr.port(), notify).serve(listener))
        .map_err(|e| Failure(format!("banque de test arrêtée : {e}")))
}

pub fn jobs(config: &Config, retry: Option<i64>) -> Result<(), Failure> {
    let store = open_store(config)?;
    if let Some(id) = retry {
        return if store.platform_write(|c| jobs::retry(c, id))? {
            println!("Tâche {id} replanifiée : elle s’exécutera dès qu’un serveur la prendra.");
            Ok(())
        } else {
            Err(Failure(format!("aucune tâche en échec n° {id}")))
        };
    }
    let counts = store.platform_read(jobs::counts)?;
    if counts.is_empty() {
        println!("Aucune tâche.");
    }
    for (kind, state, n) in counts {
        let state = match state.as_str() {
            "pending" => "en attente",
            "done" => "terminées",
            _ => "en échec",
        };
        println!("{kind:<20} {state:<12} {n}");
    }
    let failed = store.platform_read(|c| jobs::failed(c, 50))?;
    if !failed.is_empty() {
        println!("\nEn échec (relancer : guichet jobs --retry ID) :");
        for j in failed {
            println!(
                "  {} {} (collectivité {}), {} essai(s) : {}",
                j.id,
                j.kind,
                j.tenant_id.map_or("—".into(), |t| t.to_string()),
                j.attempts,
                j.last_error.unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// The platform's background work: every context's jobs (the registry's one
/// list) with the adapters this process has, and the web sessions' purge.
pub fn jobs_runner(
    store: &Store,
    config: &Config,
    sender: Option<SmtpSender>,
    files: FileStore,
    online: guichet_core::payments::online::Online,
) -> Runner {
    let idle = config.session_idle;
    let sms = config.sms.clone().map(|c| {
        std::sync::Arc::new(guichet_core::sms::Brevo::new(c))
            as std::sync::Arc<dyn guichet_core::sms::Gateway>
    });
    let wiring = guichet_cases::registry::Wiring {
        port: config.listen.port(),
        mail: sender,
        files,
        sms,
        payments: Some(online.0),
    };
    // The web sessions are the server's own: the contexts never see them.
    guichet_cases::registry::jobs(store, wiring).every(
        "sessions.purge",
        Duration::from_secs(600),
        move |s: &Store, _: &Job| {
            s.platform_write(|c| session::purge_ended(c, idle))?;
            Ok(())
        },
    )
}

fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    u.to_string()
}
