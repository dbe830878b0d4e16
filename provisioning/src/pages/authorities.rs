//! Collectivités: the list (super-admins), the creation with the first
//! referential admin, the summary page, changes, suspension.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::agents::principal::Principal;
use guichet_core::agents::{self, AgentInput};
use guichet_core::collectivite::authorities::{self, AuthorityInput, AuthorityPatch};
use guichet_core::tenancy::{self, Tenant, TenantState};
use guichet_web::csrf::VerifiedForm;
use guichet_web::render::see_other_with;
use guichet_web::{blocking, AppError, Layout};
use serde::{Deserialize, Serialize};

use super::forms::{self, form_page, host_lines, non_empty, password_given, Field, Form, Section};
use super::{see_other, Ctx, Nav, Search};

fn all_hosts(t: &Tenant) -> String {
    std::iter::once(format!("{}.localhost", t.slug))
        .chain(t.host_names.iter().cloned())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize)]
struct Row {
    slug: String,
    name: String,
    state: &'static str,
    hosts: String,
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    q: String,
    tenants: Vec<Row>,
}

/// Super-admins: the collectivités; a referential admin: their own one.
pub(crate) async fn home(ctx: Ctx, query: web::Query<Search>) -> Result<HttpResponse, AppError> {
    if let Principal::ReferentialAdmin { slug, .. } = &ctx.who {
        return Ok(see_other(format!("/collectivites/{slug}")));
    }
    let store = ctx.store();
    let q = query.into_inner().q.trim().to_owned();
    let search = q.clone();
    let tenants =
        blocking(move || Ok(store.platform_read(|c| tenancy::search(c, &search))?)).await?;
    let page = ListPage {
        layout: ctx.layout("Collectivités", None, Nav::Authorities)?,
        q,
        tenants: tenants
            .into_iter()
            .map(|t| Row {
                hosts: all_hosts(&t),
                slug: t.slug,
                name: t.name,
                state: t.state.label_fr(),
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, "provisioning/dashboard", &page)
}

/// What the creation form sends; kept as typed to show it again.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewAuthority {
    slug: String,
    name: String,
    host_names: String,
    postal_address: String,
    contact_email: String,
    siret: String,
    admin_first_name: String,
    admin_last_name: String,
    admin_email: String,
    admin_uid: String,
    admin_password: String,
}

/// Fields of the collectivité itself, for creation and changes.
fn details_fields(
    name: &str,
    host_names: &str,
    postal_address: &str,
    contact_email: &str,
    siret: &str,
) -> Vec<Field> {
    vec![
        Field::text("name", "Nom de la collectivité", name)
            .hint("Tel que les habitants le liront, par exemple : Ville d’Arles"),
        Field::textarea("host_names", "Adresses web", host_names)
            .optional()
            .hint("Une adresse par ligne, par exemple : demarches.arles.fr"),
        Field::textarea("postal_address", "Adresse postale", postal_address)
            .optional()
            .autocomplete("street-address"),
        Field::email(
            "contact_email",
            "Adresse électronique de contact",
            contact_email,
        )
        .optional(),
        Field::text("siret", "Numéro SIRET", siret)
            .optional()
            .hint("14 chiffres dont une clé de contrôle, par exemple : 212 100 047 00019"),
    ]
}

fn new_form(ctx: &Ctx, v: &NewAuthority) -> Result<Form, AppError> {
    let mut first = vec![Field::text("slug", "Identifiant court", &v.slug).hint(
        "Lettres minuscules sans accent, chiffres et traits d’union, par exemple : arles. \
         Il forme l’adresse arles.localhost et l’identifiant de connexion des administrateurs ; \
         il ne pourra plus être changé.",
    )];
    first.extend(details_fields(
        &v.name,
        &v.host_names,
        &v.postal_address,
        &v.contact_email,
        &v.siret,
    ));
    Ok(Form::new(
        "/collectivites/nouvelle",
        ctx.csrf()?,
        "Inscrire la collectivité",
        vec![
            Section::titled("La collectivité", None, first),
            Section::titled(
                "Le premier administrateur",
                Some("Cette personne gérera ici les agents, les écoles, les centres de loisirs et les droits de la collectivité, et configurera ses téléservices dans l’espace des agents."),
                vec![
                    Field::text("admin_first_name", "Prénom", &v.admin_first_name)
                        .autocomplete("off"),
                    Field::text("admin_last_name", "Nom", &v.admin_last_name).autocomplete("off"),
                    Field::email("admin_email", "Adresse électronique", &v.admin_email)
                        .autocomplete("off"),
                    Field::text("admin_uid", "Identifiant", &v.admin_uid)
                        .optional()
                        .autocomplete("off")
                        .hint("Laissez vide pour le former à partir du prénom et du nom (prenom.nom)."),
                    Field::password("admin_password", "Mot de passe")
                        .optional()
                        .hint("12 caractères au moins. Laissez vide pour envoyer un lien par courriel : la personne choisira elle-même son mot de passe."),
                ],
            ),
        ],
    )
    .cancel("/", "Annuler et revenir à la liste des collectivités"))
}

const NEW_TITLE: &str = "Inscrire une collectivité";

pub(crate) async fn new_page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.super_admin_only()?;
    let form = new_form(&ctx, &NewAuthority::default())?;
    let layout = ctx.layout(NEW_TITLE, None, Nav::Authorities)?;
    form_page(&ctx.pages, StatusCode::OK, layout, NEW_TITLE, None, form)
}

pub(crate) async fn create(
    ctx: Ctx,
    VerifiedForm(v): VerifiedForm<NewAuthority>,
) -> Result<HttpResponse, AppError> {
    ctx.super_admin_only()?;
    let input = AuthorityInput {
        slug: v.slug.trim().to_owned(),
        name: v.name.clone(),
        host_names: host_lines(&v.host_names),
        postal_address: v.postal_address.clone(),
        contact_email: v.contact_email.clone(),
        siret: non_empty(&v.siret),
        admin: Some(AgentInput {
            uid: non_empty(&v.admin_uid),
            first_name: v.admin_first_name.clone(),
            last_name: v.admin_last_name.clone(),
            email: v.admin_email.clone(),
            password: password_given(&v.admin_password),
            ..AgentInput::default()
        }),
    };
    let (store, directory, actor, port) = (
        ctx.store(),
        ctx.directory(),
        ctx.who.actor(),
        ctx.state.local_port,
    );
    let done = blocking(move || {
        Ok(authorities::create(
            &store, &directory, &actor, port, input,
        )?)
    })
    .await;
    match done {
        Ok((tenant, created)) => {
            let mut message = format!(
                "La collectivité « {} » est inscrite. Son premier administrateur a pour identifiant « {} » : il se connecte ici avec « {}@{} » pour gérer les agents, et à l’espace des agents ({}/backoffice) avec « {} » pour configurer les téléservices.",
                tenant.name,
                created.agent.uid,
                created.agent.uid,
                tenant.slug,
                tenant.public_url(ctx.state.local_port),
                created.agent.uid
            );
            if created.password_link_sent {
                message.push_str(&format!(
                    " Un courriel lui est envoyé à {} pour choisir son mot de passe (lien valable {} jours).",
                    created.agent.email,
                    agents::LINK_DAYS
                ));
            }
            see_other_with(
                &ctx.session,
                format!("/collectivites/{}", tenant.slug),
                &message,
            )
        }
        Err(e) => {
            let mut form = new_form(&ctx, &v)?;
            let status = form.refused(e)?;
            let layout = ctx.layout(NEW_TITLE, None, Nav::Authorities)?;
            form_page(&ctx.pages, status, layout, NEW_TITLE, None, form)
        }
    }
}

#[derive(Serialize)]
struct SummaryPage {
    layout: Layout,
    super_admin: bool,
    active: bool,
    slug: String,
    name: String,
    state: &'static str,
    hosts: String,
    postal_address: String,
    contact_email: String,
    siret: Option<String>,
    agents: i64,
    created_at: String,
    csrf_token: String,
    /// ProConnect is opened to the agents.
    proconnect: bool,
    /// The platform has a ProConnect client.
    proconnect_configured: bool,
}

pub(crate) async fn summary(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let agents = ctx.read(&tenant, agents::count).await?;
    let proconnect = ctx
        .read(&tenant, guichet_core::store::repo::agents::proconnect)
        .await?;
    let page = SummaryPage {
        proconnect,
        proconnect_configured: ctx.state.proconnect,
        layout: ctx.layout("Présentation", Some(&tenant), Nav::Summary)?,
        super_admin: ctx.who.is_super_admin(),
        active: tenant.state == TenantState::Active,
        hosts: all_hosts(&tenant),
        state: tenant.state.label_fr(),
        agents,
        created_at: guichet_core::domain::time::date_fr(
            guichet_core::domain::time::paris(tenant.created_at).date_naive(),
        ),
        csrf_token: ctx.csrf()?,
        slug: tenant.slug.clone(),
        name: tenant.name.clone(),
        postal_address: tenant.postal_address.clone(),
        contact_email: tenant.contact_email.clone(),
        siret: tenant.siret.clone(),
    };
    ctx.render(StatusCode::OK, "provisioning/authority", &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Details {
    name: String,
    host_names: String,
    postal_address: String,
    contact_email: String,
    siret: String,
}

fn edit_form(ctx: &Ctx, slug: &str, v: &Details) -> Result<Form, AppError> {
    let mut fields = vec![Field::readonly("slug", "Identifiant court", slug)
        .hint("L’identifiant court ne peut pas être changé.")];
    fields.extend(details_fields(
        &v.name,
        &v.host_names,
        &v.postal_address,
        &v.contact_email,
        &v.siret,
    ));
    Ok(Form::new(
        &format!("/collectivites/{slug}/modifier"),
        ctx.csrf()?,
        "Enregistrer les modifications",
        vec![Section::plain(fields)],
    )
    .cancel(&format!("/collectivites/{slug}"), "Annuler"))
}

const EDIT_TITLE: &str = "Modifier la collectivité";

pub(crate) async fn edit_page(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    ctx.super_admin_only()?;
    let v = Details {
        name: tenant.name.clone(),
        host_names: tenant.host_names.join("\n"),
        postal_address: tenant.postal_address.clone(),
        contact_email: tenant.contact_email.clone(),
        siret: tenant.siret.clone().unwrap_or_default(),
    };
    let form = edit_form(&ctx, &tenant.slug, &v)?;
    let layout = ctx.layout(EDIT_TITLE, Some(&tenant), Nav::Summary)?;
    form_page(&ctx.pages, StatusCode::OK, layout, EDIT_TITLE, None, form)
}

pub(crate) async fn update(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(v): VerifiedForm<Details>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    ctx.super_admin_only()?;
    let patch = AuthorityPatch {
        name: Some(v.name.clone()),
        host_names: Some(host_lines(&v.host_names)),
        postal_address: Some(v.postal_address.clone()),
        contact_email: Some(v.contact_email.clone()),
        // An empty SIRET clears it.
        siret: Some(v.siret.trim().to_owned()),
        state: None,
    };
    match patch_authority(&ctx, &tenant, patch).await {
        Ok(after) => see_other_with(
            &ctx.session,
            format!("/collectivites/{}", after.slug),
            &format!(
                "Les informations de la collectivité « {} » sont enregistrées.",
                after.name
            ),
        ),
        Err(e) => {
            let mut form = edit_form(&ctx, &tenant.slug, &v)?;
            let status = form.refused(e)?;
            let layout = ctx.layout(EDIT_TITLE, Some(&tenant), Nav::Summary)?;
            form_page(&ctx.pages, status, layout, EDIT_TITLE, None, form)
        }
    }
}

async fn patch_authority(
    ctx: &Ctx,
    tenant: &Tenant,
    patch: AuthorityPatch,
) -> Result<Tenant, AppError> {
    let (store, directory, actor, slug) = (
        ctx.store(),
        ctx.directory(),
        ctx.who.actor(),
        tenant.slug.clone(),
    );
    blocking(move || {
        Ok(authorities::update(
            &store, &directory, &actor, &slug, patch,
        )?)
    })
    .await
}

async fn set_state(ctx: Ctx, slug: &str, state: TenantState) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(slug).await?;
    ctx.super_admin_only()?;
    let patch = AuthorityPatch {
        state: Some(state.as_str().to_owned()),
        ..AuthorityPatch::default()
    };
    let message = match patch_authority(&ctx, &tenant, patch).await {
        Ok(t) if state == TenantState::Suspended => format!(
            "La collectivité « {} » est suspendue : ses services en ligne et son référentiel ne sont plus accessibles.",
            t.name
        ),
        Ok(t) => format!(
            "La collectivité « {} » est réactivée : ses services en ligne sont de nouveau accessibles.",
            t.name
        ),
        Err(AppError::DirectoryUnavailable(detail)) => {
            tracing::error!(%detail, "annuaire injoignable");
            forms::DIRECTORY_DOWN.to_owned()
        }
        Err(e) => return Err(e),
    };
    see_other_with(
        &ctx.session,
        format!("/collectivites/{}", tenant.slug),
        &message,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SignIn {
    proconnect: String,
}

/// The referential admin opens or closes ProConnect to the agents.
pub(crate) async fn sign_in_options(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(form): VerifiedForm<SignIn>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let (actor, on) = (ctx.who.actor(), form.proconnect == "oui");
    guichet_web::tx::write(&ctx.store, &tenant, move |tx| {
        guichet_core::agents::sign_in::set_proconnect(tx, &actor, on)
    })
    .await?;
    see_other_with(
        &ctx.session,
        format!("/collectivites/{}", tenant.slug),
        if on {
            "Les agents peuvent maintenant se connecter avec ProConnect, si l’adresse électronique de leur compte est celle de leur compte professionnel."
        } else {
            "La connexion avec ProConnect est fermée : les agents se connectent avec leur identifiant et leur mot de passe."
        },
    )
}

pub(crate) async fn suspend(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    set_state(ctx, &slug, TenantState::Suspended).await
}

pub(crate) async fn reactivate(
    ctx: Ctx,
    slug: web::Path<String>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    set_state(ctx, &slug, TenantState::Active).await
}
