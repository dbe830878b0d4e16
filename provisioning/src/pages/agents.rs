//! Agents of a collectivité: search, creation, changes, deletion.

use crate::auth::Reach;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::agents::groups;
use guichet_core::agents::principal::Principal;
use guichet_core::agents::rights::Profile;
use guichet_core::agents::{self, Agent, AgentInput};
use guichet_core::tenancy::Tenant;
use guichet_web::csrf::VerifiedForm;
use guichet_web::render::see_other_with;
use guichet_web::{blocking, AppError, Layout};
use serde::Serialize;

use super::forms::{form_page, non_empty, password_given, Field, Form, Pairs, Section};
use super::{ConfirmPage, Ctx, Nav, Search};
use crate::auth::{guard_own_account, OwnAccount};

/// At most this many agents in a list: beyond, one searches.
const LIST_LIMIT: i64 = 200;

#[derive(Serialize)]
struct Row {
    uid: String,
    first_name: String,
    last_name: String,
    email: String,
    role: &'static str,
    groups: String,
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    slug: String,
    q: String,
    agents: Vec<Row>,
    truncated: bool,
}

pub(crate) async fn list(
    ctx: Ctx,
    slug: web::Path<String>,
    query: web::Query<Search>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let q = query.into_inner().q.trim().to_owned();
    let search = q.clone();
    let (found, labels) = ctx
        .read(&tenant, move |tx| {
            Ok((
                agents::search(tx, &search, LIST_LIMIT + 1)?,
                groups::list(tx)?,
            ))
        })
        .await?;
    let truncated = found.len() as i64 > LIST_LIMIT;
    let label_of = |g: &str| {
        labels
            .iter()
            .find(|(_, name, _)| name == g)
            .map_or_else(|| g.to_owned(), |(_, _, label)| label.clone())
    };
    let page = ListPage {
        layout: ctx.layout("Agents", Some(&tenant), Nav::Agents)?,
        slug: tenant.slug.clone(),
        q,
        truncated,
        agents: found
            .into_iter()
            .take(LIST_LIMIT as usize)
            .map(|a| Row {
                groups: a
                    .groups
                    .iter()
                    .filter(|g| !is_role_group(g))
                    .map(|g| label_of(g))
                    .collect::<Vec<_>>()
                    .join(", "),
                role: Role::of(&a).label(),
                uid: a.uid,
                first_name: a.first_name,
                last_name: a.last_name,
                email: a.email,
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, "provisioning/agents", &page)
}

/// The agent's role in the back office, as the form offers it: no access,
/// or one of the profiles (each reached through its group, `agent` or
/// `admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    None,
    Back(Profile),
}

impl Role {
    const ALL: [Role; 4] = [
        Role::None,
        Role::Back(Profile::Agent),
        Role::Back(Profile::Manager),
        Role::Back(Profile::Admin),
    ];

    fn of(a: &Agent) -> Role {
        let member = |g: &str| a.groups.iter().any(|have| have == g);
        if member(groups::ADMIN) {
            Role::Back(Profile::Admin)
        } else if member(groups::AGENT) {
            Role::Back(a.profile)
        } else {
            Role::None
        }
    }

    fn parse(s: &str) -> Role {
        Profile::parse(s).map_or(Role::None, Role::Back)
    }

    fn key(self) -> &'static str {
        match self {
            Role::None => "aucun",
            Role::Back(p) => p.as_str(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::None => "aucun accès",
            Role::Back(p) => p.label_fr(),
        }
    }

    fn explained(self) -> &'static str {
        match self {
            Role::None => "Aucun accès à l’espace des agents",
            Role::Back(Profile::Agent) => {
                "Agent : traite les demandes des seules catégories où un droit lui est donné"
            }
            Role::Back(Profile::Manager) => {
                "Responsable : consulte les demandes de toutes les catégories, sauf droit contraire"
            }
            Role::Back(Profile::Admin) => {
                "Administrateur : gère tous les téléservices, les paramètres, les statistiques et les foyers"
            }
        }
    }

    /// The group that gives this role, if any.
    fn group(self) -> Option<&'static str> {
        match self {
            Role::None => None,
            Role::Back(Profile::Admin) => Some(groups::ADMIN),
            Role::Back(_) => Some(groups::AGENT),
        }
    }
}

/// The groups the role field stands for, not offered as checkboxes.
fn is_role_group(g: &str) -> bool {
    g == groups::ADMIN || g == groups::AGENT
}

/// What the form sends, kept as typed to show it again.
#[derive(Debug)]
pub(crate) struct Typed {
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    uid: String,
    role: Role,
    /// The other groups (the référentiel's administration, the directory's own).
    groups: Vec<String>,
    password: String,
}

impl Default for Typed {
    fn default() -> Typed {
        Typed {
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            uid: String::new(),
            role: Role::Back(Profile::Agent),
            groups: Vec::new(),
            password: String::new(),
        }
    }
}

impl Typed {
    /// Read from pairs: the groups' checkboxes repeat their key.
    fn from_pairs(p: &Pairs) -> Typed {
        Typed {
            first_name: p.get("first_name"),
            last_name: p.get("last_name"),
            email: p.get("email"),
            phone: p.get("phone"),
            uid: p.get("uid"),
            role: Role::parse(&p.get("role")),
            groups: p
                .all("groups")
                .into_iter()
                .filter(|g| !is_role_group(g))
                .collect(),
            password: p.get("password"),
        }
    }

    fn of(a: &Agent) -> Typed {
        Typed {
            first_name: a.first_name.clone(),
            last_name: a.last_name.clone(),
            email: a.email.clone(),
            phone: a.phone.clone(),
            uid: a.uid.clone(),
            role: Role::of(a),
            groups: a
                .groups
                .iter()
                .filter(|g| !is_role_group(g))
                .cloned()
                .collect(),
            password: String::new(),
        }
    }

    fn input(&self, uid: Option<String>) -> AgentInput {
        AgentInput {
            uid,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            profile: Some(match self.role {
                Role::None => Profile::Agent.as_str().to_owned(),
                Role::Back(p) => p.as_str().to_owned(),
            }),
            groups: self
                .groups
                .iter()
                .cloned()
                .chain(self.role.group().map(str::to_owned))
                .collect(),
            password: password_given(&self.password),
        }
    }
}

type Groups = Vec<(i64, String, String)>;

/// The agent form; `editing`: the uid, shown and not changed.
fn agent_form(
    ctx: &Ctx,
    action: &str,
    cancel: &str,
    v: &Typed,
    known: &Groups,
    editing: Option<&str>,
) -> Result<Form, AppError> {
    let uid_field = match editing {
        Some(uid) => Field::readonly("uid", "Identifiant", uid)
            .hint("L’identifiant d’un agent ne peut pas être changé."),
        None => Field::text("uid", "Identifiant", &v.uid)
            .optional()
            .autocomplete("off")
            .hint("Laissez vide pour le former à partir du prénom et du nom (prenom.nom). Lettres minuscules sans accent, chiffres, « . », « - » et « _ »."),
    };
    let password_hint = match editing {
        Some(_) => "12 caractères au moins. Laissez vide pour ne pas le changer.",
        None => "12 caractères au moins. Laissez vide pour envoyer un lien par courriel : l’agent choisira lui-même son mot de passe.",
    };
    let fields = vec![
        Field::text("first_name", "Prénom", &v.first_name).autocomplete("off"),
        Field::text("last_name", "Nom", &v.last_name).autocomplete("off"),
        Field::email("email", "Adresse électronique", &v.email)
            .autocomplete("off")
            .hint("Par exemple : prenom.nom@mairie.fr"),
        Field::tel("phone", "Téléphone", &v.phone)
            .autocomplete("off")
            .hint("Par exemple : 01 23 45 67 89"),
        uid_field,
        Field::select(
            "role",
            "Rôle dans l’espace des agents",
            Role::ALL
                .into_iter()
                .map(|r| (r.key().to_owned(), r.explained().to_owned(), r == v.role))
                .collect(),
        )
        .hint("L’espace des agents est celui où l’on traite les demandes. Un droit donné sur une catégorie de téléservices (page « Catégories ») l’emporte sur ce rôle, sauf pour un administrateur."),
        Field::checkboxes(
            "groups",
            "Autres accès",
            known
                .iter()
                .filter(|(_, name, _)| !is_role_group(name))
                .map(|(_, name, label)| {
                    let label = if name == groups::REFERENTIAL_ADMIN {
                        "Administrateur du référentiel : gère ici les agents, les écoles, les centres de loisirs, les catégories et les droits".to_owned()
                    } else {
                        label.clone()
                    };
                    (name.clone(), label, v.groups.iter().any(|g| g == name))
                })
                .collect(),
        )
        .optional(),
        Field::password("password", "Mot de passe")
            .optional()
            .hint(password_hint),
    ];
    let submit = if editing.is_some() {
        "Enregistrer les modifications"
    } else {
        "Créer l’agent"
    };
    Ok(
        Form::new(action, ctx.csrf()?, submit, vec![Section::plain(fields)])
            .cancel(cancel, "Annuler et revenir à la liste des agents"),
    )
}

async fn known_groups(ctx: &Ctx, tenant: &Reach) -> Result<Groups, AppError> {
    ctx.read(tenant, groups::list).await
}

const NEW_TITLE: &str = "Ajouter un agent";

pub(crate) async fn new_page(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let known = known_groups(&ctx, &tenant).await?;
    let base = format!("/collectivites/{}/agents", tenant.slug);
    let form = agent_form(
        &ctx,
        &format!("{base}/nouveau"),
        &base,
        &Typed::default(),
        &known,
        None,
    )?;
    let layout = ctx.layout(NEW_TITLE, Some(&tenant), Nav::Agents)?;
    form_page(&ctx.pages, StatusCode::OK, layout, NEW_TITLE, None, form)
}

pub(crate) async fn create(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let typed = Typed::from_pairs(&Pairs(pairs));
    let input = typed.input(non_empty(&typed.uid));
    let (store, directory, actor) = (ctx.store(), ctx.directory(), ctx.who.actor());
    let link_base = tenant.public_url(ctx.state.local_port);
    let t = tenant.clone();
    let done = blocking(move || {
        Ok(agents::create(
            &store, &directory, &t, &actor, &link_base, input,
        )?)
    })
    .await;
    let base = format!("/collectivites/{}/agents", tenant.slug);
    match done {
        Ok(created) => {
            let a = &created.agent;
            let mut message = format!(
                "L’agent {} {} est créé avec l’identifiant « {} ».",
                a.first_name, a.last_name, a.uid
            );
            if created.password_link_sent {
                message.push_str(&format!(
                    " Un courriel lui est envoyé à {} pour choisir son mot de passe (lien valable {} jours).",
                    a.email,
                    agents::LINK_DAYS
                ));
            }
            see_other_with(&ctx.session, &base, &message)
        }
        Err(e) => {
            let known = known_groups(&ctx, &tenant).await?;
            let mut form = agent_form(
                &ctx,
                &format!("{base}/nouveau"),
                &base,
                &typed,
                &known,
                None,
            )?;
            let status = form.refused(e)?;
            let layout = ctx.layout(NEW_TITLE, Some(&tenant), Nav::Agents)?;
            form_page(&ctx.pages, status, layout, NEW_TITLE, None, form)
        }
    }
}

/// The agent of the path, in a collectivité within reach.
async fn agent_of(ctx: &Ctx, slug: &str, uid: &str) -> Result<(Reach, Agent), AppError> {
    let tenant = ctx.tenant(slug).await?;
    let uid = uid.to_owned();
    let agent = ctx
        .read(&tenant, move |tx| agents::get(tx, &uid))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((tenant, agent))
}

fn edit_title(a: &Agent) -> String {
    format!("Modifier l’agent {} {}", a.first_name, a.last_name)
}

pub(crate) async fn edit_page(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let (tenant, agent) = agent_of(&ctx, &slug, &uid).await?;
    let known = known_groups(&ctx, &tenant).await?;
    let base = format!("/collectivites/{}/agents", tenant.slug);
    let form = agent_form(
        &ctx,
        &format!("{base}/{}/modifier", agent.uid),
        &base,
        &Typed::of(&agent),
        &known,
        Some(&agent.uid),
    )?;
    let title = edit_title(&agent);
    let layout = ctx.layout(&title, Some(&tenant), Nav::Agents)?;
    form_page(&ctx.pages, StatusCode::OK, layout, &title, None, form)
}

pub(crate) async fn update(
    ctx: Ctx,
    path: web::Path<(String, String)>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let (tenant, agent) = agent_of(&ctx, &slug, &uid).await?;
    let typed = Typed::from_pairs(&Pairs(pairs));
    let input = typed.input(None);
    let (store, directory, actor) = (ctx.store(), ctx.directory(), ctx.who.actor());
    let (t, u) = (tenant.clone(), agent.uid.clone());
    let done = match guard_own_account(
        &ctx.who,
        &tenant.slug,
        &agent.uid,
        OwnAccount::SetGroups(&input.groups),
    ) {
        Err(e) => Err(e),
        Ok(()) => {
            blocking(move || Ok(agents::update(&store, &directory, &t, &actor, &u, input)?)).await
        }
    };
    let base = format!("/collectivites/{}/agents", tenant.slug);
    match done {
        Ok(after) => see_other_with(
            &ctx.session,
            &base,
            &format!(
                "Les informations de l’agent {} {} sont enregistrées.",
                after.first_name, after.last_name
            ),
        ),
        Err(e) => {
            let known = known_groups(&ctx, &tenant).await?;
            let mut form = agent_form(
                &ctx,
                &format!("{base}/{}/modifier", agent.uid),
                &base,
                &typed,
                &known,
                Some(&agent.uid),
            )?;
            let status = form.refused(e)?;
            let title = edit_title(&agent);
            let layout = ctx.layout(&title, Some(&tenant), Nav::Agents)?;
            form_page(&ctx.pages, status, layout, &title, None, form)
        }
    }
}

/// Why this principal may not delete this agent (their own account), if so.
fn refusal(who: &Principal, tenant: &Tenant, agent: &Agent) -> Option<String> {
    match guard_own_account(who, &tenant.slug, &agent.uid, OwnAccount::Delete) {
        Err(AppError::Conflict(m)) => Some(m),
        _ => None,
    }
}

fn confirm_page(
    ctx: &Ctx,
    status: StatusCode,
    tenant: &Tenant,
    agent: &Agent,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let name = format!("{} {}", agent.first_name, agent.last_name);
    let heading = format!("Supprimer l’agent {name}");
    let title = guichet_web::render::title(&heading, error.is_some());
    let base = format!("/collectivites/{}/agents", tenant.slug);
    let page = ConfirmPage {
        layout: ctx.layout(&title, Some(tenant), Nav::Agents)?,
        can_confirm: refusal(&ctx.who, tenant, agent).is_none(),
        explanation: format!(
            "L’agent {name} (identifiant « {} ») sera retiré de l’annuaire et de Guichet : il ne pourra plus se connecter. Cette suppression est définitive.",
            agent.uid
        ),
        heading,
        error,
        action: format!("{base}/{}/supprimer", agent.uid),
        csrf_token: ctx.csrf()?,
        confirm: format!("Oui, supprimer définitivement l’agent {name}"),
        cancel: base,
    };
    ctx.render(status, "provisioning/confirm", &page)
}

pub(crate) async fn delete_page(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let (tenant, agent) = agent_of(&ctx, &slug, &uid).await?;
    let error = refusal(&ctx.who, &tenant, &agent);
    confirm_page(&ctx, StatusCode::OK, &tenant, &agent, error)
}

pub(crate) async fn delete(
    ctx: Ctx,
    path: web::Path<(String, String)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let (tenant, agent) = agent_of(&ctx, &slug, &uid).await?;
    if let Some(error) = refusal(&ctx.who, &tenant, &agent) {
        return confirm_page(&ctx, StatusCode::CONFLICT, &tenant, &agent, Some(error));
    }
    let (store, directory, actor) = (ctx.store(), ctx.directory(), ctx.who.actor());
    let (t, u) = (tenant.clone(), agent.uid.clone());
    let done = blocking(move || Ok(agents::delete(&store, &directory, &t, &actor, &u)?)).await;
    match done {
        Ok(()) => see_other_with(
            &ctx.session,
            format!("/collectivites/{}/agents", tenant.slug),
            &format!(
                "L’agent {} {} (identifiant « {} ») est supprimé.",
                agent.first_name, agent.last_name, agent.uid
            ),
        ),
        Err(AppError::DirectoryUnavailable(detail)) => {
            tracing::error!(%detail, "annuaire injoignable");
            let message = super::forms::DIRECTORY_DOWN.to_owned();
            confirm_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                &tenant,
                &agent,
                Some(message),
            )
        }
        Err(AppError::Conflict(m)) => confirm_page(
            &ctx,
            StatusCode::CONFLICT,
            &tenant,
            &agent,
            Some(super::sentence(&m)),
        ),
        Err(e) => Err(e),
    }
}

/// Confirmation before mailing a new set-password link.
pub(crate) async fn link_page(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let (tenant, agent) = agent_of(&ctx, &slug, &uid).await?;
    link_confirm(&ctx, StatusCode::OK, &tenant, &agent, None)
}

fn link_confirm(
    ctx: &Ctx,
    status: StatusCode,
    tenant: &Tenant,
    agent: &Agent,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let name = format!("{} {}", agent.first_name, agent.last_name);
    let heading = format!("Envoyer un lien de mot de passe à {name}");
    let base = format!("/collectivites/{}/agents", tenant.slug);
    let page = ConfirmPage {
        layout: ctx.layout(&heading, Some(tenant), Nav::Agents)?,
        can_confirm: true,
        explanation: format!(
            "Un courriel sera envoyé à {} avec un lien, valable {} jours, pour choisir un nouveau mot de passe. Les liens envoyés auparavant ne fonctionneront plus ; le mot de passe actuel reste valable jusqu’au changement.",
            agent.email,
            agents::LINK_DAYS
        ),
        heading,
        error,
        action: format!("{base}/{}/lien-mot-de-passe", agent.uid),
        csrf_token: ctx.csrf()?,
        confirm: format!("Oui, envoyer le lien à {}", agent.email),
        cancel: base,
    };
    ctx.render(status, "provisioning/confirm", &page)
}

pub(crate) async fn send_link(
    ctx: Ctx,
    path: web::Path<(String, String)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (slug, uid) = path.into_inner();
    let (tenant, agent) = agent_of(&ctx, &slug, &uid).await?;
    let (store, actor) = (ctx.store(), ctx.who.actor());
    let link_base = tenant.public_url(ctx.state.local_port);
    let (t, u) = (tenant.clone(), agent.uid.clone());
    let done = blocking(move || {
        Ok(agents::renew_password_link(
            &store, &t, &actor, &u, &link_base,
        )?)
    })
    .await;
    match done {
        Ok(sent) => see_other_with(
            &ctx.session,
            format!("/collectivites/{}/agents", tenant.slug),
            &format!(
                "Un lien pour choisir son mot de passe est envoyé à {} {} ({}).",
                sent.first_name, sent.last_name, sent.email
            ),
        ),
        Err(AppError::Invalid(errors)) => {
            let message = errors.first().map(|e| super::sentence(&e.message));
            link_confirm(&ctx, StatusCode::BAD_REQUEST, &tenant, &agent, message)
        }
        Err(e) => Err(e),
    }
}
