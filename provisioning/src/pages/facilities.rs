//! Écoles and centres de loisirs: the same pages for both kinds, told apart
//! by the resource's data.

use crate::auth::Reach;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::directory::FacilityKind;
use guichet_core::facilities::{self, Facility, FacilityInput};
use guichet_core::tenancy::Tenant;
use guichet_web::csrf::VerifiedForm;
use guichet_web::render::see_other_with;
use guichet_web::{blocking, AppError, Layout};
use serde::{Deserialize, Serialize};

use super::forms::{self, form_page, Field, Form, Section};
use super::{sentence, ConfirmPage, Ctx, Nav, Search};

/// How the pages speak of one kind.
#[derive(Clone, Copy)]
pub(crate) struct Words {
    kind: FacilityKind,
    segment: &'static str,
    plural: &'static str,
    /// "une école", "un centre de loisirs".
    one: &'static str,
    /// "l’école", "le centre de loisirs".
    the: &'static str,
    /// Agreement of past participles: "e" or "".
    e: &'static str,
    /// The word of the creation path.
    new: &'static str,
    nav: Nav,
    search: &'static str,
    found: &'static str,
    /// "Aucune école", "Aucun centre de loisirs".
    none: &'static str,
}

pub(crate) const SCHOOLS: Words = Words {
    kind: FacilityKind::School,
    segment: "ecoles",
    plural: "Écoles",
    one: "une école",
    the: "l’école",
    e: "e",
    new: "nouvelle",
    nav: Nav::Schools,
    search: "Rechercher une école par un mot de son nom",
    found: "Écoles trouvées pour",
    none: "Aucune école",
};

pub(crate) const CENTRES: Words = Words {
    kind: FacilityKind::RecreationCenter,
    segment: "centres-de-loisirs",
    plural: "Centres de loisirs",
    one: "un centre de loisirs",
    the: "le centre de loisirs",
    e: "",
    new: "nouveau",
    nav: Nav::RecreationCenters,
    search: "Rechercher un centre de loisirs par un mot de son nom",
    found: "Centres de loisirs trouvés pour",
    none: "Aucun centre de loisirs",
};

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn base(tenant: &Tenant, w: &Words) -> String {
    format!("/collectivites/{}/{}", tenant.slug, w.segment)
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    heading: &'static str,
    base: String,
    new_path: String,
    add: String,
    search_label: &'static str,
    caption: String,
    none: String,
    q: String,
    items: Vec<Facility>,
}

pub(crate) async fn list(
    ctx: Ctx,
    w: web::Data<Words>,
    slug: web::Path<String>,
    query: web::Query<Search>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let q = query.into_inner().q.trim().to_owned();
    let (search, kind) = (q.clone(), w.kind);
    let items = ctx
        .read(&tenant, move |tx| facilities::search(tx, kind, &search))
        .await?;
    let base = base(&tenant, &w);
    let page = ListPage {
        layout: ctx.layout(w.plural, Some(&tenant), w.nav)?,
        heading: w.plural,
        new_path: format!("{base}/{}", w.new),
        add: format!("Ajouter {}", w.one),
        search_label: w.search,
        caption: if q.is_empty() {
            format!("{} de la collectivité", w.plural)
        } else {
            format!("{} « {q} »", w.found)
        },
        none: if q.is_empty() {
            format!("{} n’est encore enregistré{}.", w.none, w.e)
        } else {
            format!("{} ne correspond à « {q} ».", w.none)
        },
        base,
        q,
        items,
    };
    ctx.render(StatusCode::OK, "provisioning/facilities", &page)
}

/// Field by field defaults: the struct's `Default` ticks the box, and an
/// unticked box is absent from the form.
#[derive(Debug, Deserialize)]
pub(crate) struct Typed {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// A checkbox: present when ticked.
    active: Option<String>,
}

impl Default for Typed {
    fn default() -> Self {
        Typed {
            name: String::new(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            active: Some("oui".into()),
        }
    }
}

impl Typed {
    fn of(f: &Facility) -> Typed {
        Typed {
            name: f.name.clone(),
            address: f.address.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
            active: f.active.then(|| "oui".into()),
        }
    }

    fn input(&self) -> FacilityInput {
        FacilityInput {
            name: self.name.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            active: Some(self.active.is_some()),
        }
    }
}

fn facility_form(
    ctx: &Ctx,
    w: &Words,
    action: &str,
    cancel: &str,
    v: &Typed,
    submit: &str,
) -> Result<Form, AppError> {
    let fields = vec![
        Field::text("name", "Nom", &v.name).autocomplete("off"),
        Field::textarea("address", "Adresse postale", &v.address).optional(),
        Field::tel("phone", "Téléphone", &v.phone)
            .autocomplete("off")
            .hint("Par exemple : 01 23 45 67 89"),
        Field::email("email", "Adresse électronique", &v.email)
            .optional()
            .autocomplete("off"),
        Field::checkbox("active", "En activité", v.active.is_some()).hint(&format!(
            "Décochez pour ne plus proposer {} aux familles sans l{} supprimer.",
            w.the,
            if w.e.is_empty() { "e" } else { "a" }
        )),
    ];
    Ok(
        Form::new(action, ctx.csrf()?, submit, vec![Section::plain(fields)])
            .cancel(cancel, "Annuler et revenir à la liste"),
    )
}

pub(crate) async fn new_page(
    ctx: Ctx,
    w: web::Data<Words>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let base = base(&tenant, &w);
    let title = format!("Ajouter {}", w.one);
    let form = facility_form(
        &ctx,
        &w,
        &format!("{base}/{}", w.new),
        &base,
        &Typed::default(),
        &title,
    )?;
    let layout = ctx.layout(&title, Some(&tenant), w.nav)?;
    form_page(&ctx.pages, StatusCode::OK, layout, &title, None, form)
}

pub(crate) async fn create(
    ctx: Ctx,
    w: web::Data<Words>,
    slug: web::Path<String>,
    VerifiedForm(v): VerifiedForm<Typed>,
) -> Result<HttpResponse, AppError> {
    let tenant = ctx.tenant(&slug).await?;
    let (store, directory, actor, kind, input) = (
        ctx.store(),
        ctx.directory(),
        ctx.who.actor(),
        w.kind,
        v.input(),
    );
    let t = tenant.clone();
    let done = blocking(move || {
        Ok(facilities::create(
            &store, &directory, &t, &actor, kind, input,
        )?)
    })
    .await;
    let base = base(&tenant, &w);
    match done {
        Ok(f) => see_other_with(
            &ctx.session,
            &base,
            &format!("{} « {} » est créé{}.", capitalized(w.the), f.name, w.e),
        ),
        Err(e) => {
            let title = format!("Ajouter {}", w.one);
            let mut form =
                facility_form(&ctx, &w, &format!("{base}/{}", w.new), &base, &v, &title)?;
            let status = form.refused(e)?;
            let layout = ctx.layout(&title, Some(&tenant), w.nav)?;
            form_page(&ctx.pages, status, layout, &title, None, form)
        }
    }
}

async fn facility_of(
    ctx: &Ctx,
    w: &Words,
    slug: &str,
    id: i64,
) -> Result<(Reach, Facility), AppError> {
    let tenant = ctx.tenant(slug).await?;
    let kind = w.kind;
    let found = ctx
        .read(&tenant, move |tx| facilities::get(tx, kind, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((tenant, found))
}

fn edit_title(w: &Words, f: &Facility) -> String {
    format!("Modifier {} « {} »", w.the, f.name)
}

pub(crate) async fn edit_page(
    ctx: Ctx,
    w: web::Data<Words>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (tenant, f) = facility_of(&ctx, &w, &slug, id).await?;
    let base = base(&tenant, &w);
    let form = facility_form(
        &ctx,
        &w,
        &format!("{base}/{id}/modifier"),
        &base,
        &Typed::of(&f),
        "Enregistrer les modifications",
    )?;
    let title = edit_title(&w, &f);
    let layout = ctx.layout(&title, Some(&tenant), w.nav)?;
    form_page(&ctx.pages, StatusCode::OK, layout, &title, None, form)
}

pub(crate) async fn update(
    ctx: Ctx,
    w: web::Data<Words>,
    path: web::Path<(String, i64)>,
    VerifiedForm(v): VerifiedForm<Typed>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (tenant, before) = facility_of(&ctx, &w, &slug, id).await?;
    let (store, directory, actor, kind, input) = (
        ctx.store(),
        ctx.directory(),
        ctx.who.actor(),
        w.kind,
        v.input(),
    );
    let t = tenant.clone();
    let done = blocking(move || {
        Ok(facilities::update(
            &store, &directory, &t, &actor, kind, id, input,
        )?)
    })
    .await;
    let base = base(&tenant, &w);
    match done {
        Ok(f) => see_other_with(
            &ctx.session,
            &base,
            &format!(
                "Les informations de {} « {} » sont enregistrées.",
                w.the, f.name
            ),
        ),
        Err(e) => {
            let mut form = facility_form(
                &ctx,
                &w,
                &format!("{base}/{id}/modifier"),
                &base,
                &v,
                "Enregistrer les modifications",
            )?;
            let status = form.refused(e)?;
            let title = edit_title(&w, &before);
            let layout = ctx.layout(&title, Some(&tenant), w.nav)?;
            form_page(&ctx.pages, status, layout, &title, None, form)
        }
    }
}

fn confirm_page(
    ctx: &Ctx,
    w: &Words,
    status: StatusCode,
    tenant: &Tenant,
    f: &Facility,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let heading = format!("Supprimer {} « {} »", w.the, f.name);
    let title = guichet_web::render::title(&heading, error.is_some());
    let base = base(tenant, w);
    let page = ConfirmPage {
        layout: ctx.layout(&title, Some(tenant), w.nav)?,
        explanation: format!(
            "{} « {} » sera retiré{} de l’annuaire et de Guichet. Cette suppression est définitive ; pour ne plus {} proposer aux familles sans l{} supprimer, décochez plutôt « En activité » dans sa fiche.",
            capitalized(w.the),
            f.name,
            w.e,
            if w.e.is_empty() { "le" } else { "la" },
            if w.e.is_empty() { "e" } else { "a" },
        ),
        heading,
        error,
        can_confirm: true,
        action: format!("{base}/{}/supprimer", f.id),
        csrf_token: ctx.csrf()?,
        confirm: format!("Oui, supprimer définitivement {} « {} »", w.the, f.name),
        cancel: base,
    };
    ctx.render(status, "provisioning/confirm", &page)
}

pub(crate) async fn delete_page(
    ctx: Ctx,
    w: web::Data<Words>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (tenant, f) = facility_of(&ctx, &w, &slug, id).await?;
    confirm_page(&ctx, &w, StatusCode::OK, &tenant, &f, None)
}

pub(crate) async fn delete(
    ctx: Ctx,
    w: web::Data<Words>,
    path: web::Path<(String, i64)>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (tenant, f) = facility_of(&ctx, &w, &slug, id).await?;
    let (store, directory, actor, kind) = (ctx.store(), ctx.directory(), ctx.who.actor(), w.kind);
    let t = tenant.clone();
    let done = blocking(move || {
        Ok(facilities::delete(
            &store, &directory, &t, &actor, kind, id,
        )?)
    })
    .await;
    match done {
        Ok(()) => see_other_with(
            &ctx.session,
            base(&tenant, &w),
            &format!("{} « {} » est supprimé{}.", capitalized(w.the), f.name, w.e),
        ),
        Err(AppError::DirectoryUnavailable(detail)) => {
            tracing::error!(%detail, "annuaire injoignable");
            let message = forms::DIRECTORY_DOWN.to_owned();
            confirm_page(
                &ctx,
                &w,
                StatusCode::SERVICE_UNAVAILABLE,
                &tenant,
                &f,
                Some(message),
            )
        }
        Err(AppError::Conflict(m)) => confirm_page(
            &ctx,
            &w,
            StatusCode::CONFLICT,
            &tenant,
            &f,
            Some(sentence(&m)),
        ),
        Err(e) => Err(e),
    }
}
