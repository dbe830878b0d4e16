//! « Mon foyer »: the address, the members (adults, children with their legal
//! responsibles), their changes, the foyer's history.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_core::error::Checks;
use guichet_core::foyers::{self, Foyer, Member};
use guichet_core::history::Actor;
use guichet_domain::foyer::{Parenthood, Sex, Title};
use guichet_domain::time;
use guichet_web::csrf::VerifiedForm;
use guichet_web::forms::{form_page, Form, Pairs};
use guichet_web::foyer::{
    address_form, address_values, check_member, is_adult, member_form, member_refusal,
    member_values,
};
use guichet_web::{tx, AppError, Layout};
use serde::Serialize;

use crate::page::{see_other_with, Home, Me, Section as Nav};

#[derive(Serialize)]
struct MemberLine {
    id: i64,
    name: String,
    details: String,
    responsible: bool,
    removable: bool,
}

#[derive(Serialize)]
struct Show {
    layout: Layout,
    address: Form,
    adults: Vec<MemberLine>,
    children: Vec<MemberLine>,
    state: String,
    csrf_token: String,
    links: Vec<LinkLine>,
}

/// A link of the signed-in person's account to FranceConnect.
#[derive(Serialize)]
struct LinkLine {
    issuer: String,
    subject: String,
    since: String,
}

/// The signed-in person's foyer and links to FranceConnect, in one read.
async fn me_and_links(home: &Home) -> Result<(Me, Vec<LinkLine>), AppError> {
    let id = home.who.account_id;
    home.read(move |t, _| {
        Ok(foyers::identity_links(t, id)?
            .into_iter()
            .map(|l| LinkLine {
                issuer: l.issuer,
                subject: l.subject,
                since: time::datetime_fr(l.since),
            })
            .collect())
    })
    .await
}

fn line(m: &Member, foyer: &Foyer) -> MemberLine {
    let mut details = Vec::new();
    if let Some(d) = m.birth_date {
        details.push(if m.born || m.adult {
            guichet_domain::foyer::born_on(
                m.sex.as_deref().and_then(Sex::parse),
                m.title.as_deref().and_then(Title::parse),
                &d.format("%d/%m/%Y").to_string(),
            )
        } else {
            format!("naissance prévue le {}", d.format("%d/%m/%Y"))
        });
    }
    if !m.adult {
        let names: Vec<String> = m
            .responsibles
            .iter()
            .filter_map(|(a, role)| {
                let adult = foyer.member(*a)?;
                let role = Parenthood::parse(role).map(|r| r.label()).unwrap_or("");
                Some(format!("{} ({})", adult.name, role.to_lowercase()))
            })
            .collect();
        details.push(format!("responsables légaux : {}", names.join(", ")));
    } else if !m.email.is_empty() {
        details.push(m.email.clone());
    }
    MemberLine {
        id: m.id,
        name: m.name.clone(),
        details: details.join(" — "),
        responsible: m.responsible,
        removable: !m.responsible,
    }
}

fn show_page(
    home: &Home,
    me: &Me,
    links: Vec<LinkLine>,
    address: Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let address = guichet_web::forms::sealed(address);
    let title = guichet_web::render::title("Mon foyer", address.has_errors());
    let f = &me.foyer;
    home.render(
        status,
        "portal/foyer",
        &Show {
            layout: home.layout(&title, Nav::Foyer, me)?,
            address,
            adults: f.adults().map(|m| line(m, f)).collect(),
            children: f.children().map(|m| line(m, f)).collect(),
            state: guichet_domain::foyer::UserState::parse(&f.state)
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            csrf_token: home.csrf()?,
            links,
        },
    )
}

pub(crate) async fn show(home: Home) -> Result<HttpResponse, AppError> {
    let (me, links) = me_and_links(&home).await?;
    let form = address_form(
        "/mon-foyer/adresse",
        home.csrf()?,
        address_values(&me.foyer),
    );
    show_page(&home, &me, links, form, StatusCode::OK)
}

pub(crate) async fn address(
    home: Home,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (me, links) = me_and_links(&home).await?;
    let p = Pairs(pairs);
    let mut checks = Checks::default();
    let address = foyers::check_address(|k| p.get(k), "address.", &mut checks);
    let outcome = match checks.finish() {
        Ok(()) => {
            let (household, actor) = (me.foyer_id(), actor(&me));
            tx::write(&home.store, &home.who, move |t| {
                foyers::edit_address(t, household, &actor, &address)
            })
            .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => saved(&home),
        Err(e) => {
            let mut form = address_form("/mon-foyer/adresse", home.csrf()?, |k| p.get(k));
            let status = form.refused(e)?;
            show_page(&home, &me, links, form, status)
        }
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Unlink {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    subject: String,
}

/// Removes one of the signed-in person's links to FranceConnect.
pub(crate) async fn unlink(
    home: Home,
    VerifiedForm(form): VerifiedForm<Unlink>,
) -> Result<HttpResponse, AppError> {
    let id = home.who.account_id;
    home.write(move |t, _| {
        foyers::unlink_identity(
            t,
            id,
            &form.issuer,
            &form.subject,
            crate::franceconnect::PROVIDER,
        )
    })
    .await?;
    saved(&home)
}

fn actor(me: &Me) -> Actor {
    Actor {
        kind: "household",
        id: Some(me.person.id),
        name: me.person.name.clone(),
    }
}

pub(crate) async fn new_page(
    home: Home,
    kind: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let adult = is_adult(&kind)?;
    let me = home.me().await?;
    let title = if adult {
        "Ajouter un adulte"
    } else {
        "Ajouter un enfant"
    };
    let last = me.person.last_name.clone();
    let defaults = move |k: &str| {
        if k == "last_name" {
            last.clone()
        } else {
            String::new()
        }
    };
    let form = member_form(
        &format!("/mon-foyer/ajouter/{kind}"),
        "/mon-foyer",
        home.csrf()?,
        adult,
        &me.foyer,
        &defaults,
        "Ajouter",
    );
    let layout = home.layout(title, Nav::Foyer, &me)?;
    form_page(&home.pages, StatusCode::OK, layout, title, None, form)
}

/// Shows the member form again with the refusal; passes other errors on.
#[allow(clippy::too_many_arguments)]
fn refused(
    home: &Home,
    me: &Me,
    action: &str,
    adult: bool,
    p: &Pairs,
    title: &str,
    submit: &str,
    e: AppError,
) -> Result<HttpResponse, AppError> {
    let mut form = member_form(
        action,
        "/mon-foyer",
        home.csrf()?,
        adult,
        &me.foyer,
        &|k| p.get(k),
        submit,
    );
    let e = member_refusal(e, &me.foyer);
    let status = form.refused(e)?;
    let layout = home.layout(&guichet_web::render::title(title, true), Nav::Foyer, me)?;
    form_page(&home.pages, status, layout, title, None, form)
}

pub(crate) async fn create(
    home: Home,
    kind: web::Path<String>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let adult = is_adult(&kind)?;
    let me = home.me().await?;
    let p = Pairs(pairs);
    let title = if adult {
        "Ajouter un adulte"
    } else {
        "Ajouter un enfant"
    };
    let action = format!("/mon-foyer/ajouter/{kind}");
    let outcome = match check_member(&p, adult, &me.foyer, false) {
        Ok((person, responsibles)) => {
            let (household, actor) = (me.foyer_id(), actor(&me));
            tx::write(&home.store, &home.who, move |t| {
                foyers::add_member(t, household, &actor, &person, &responsibles)
            })
            .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(_) => saved(&home),
        Err(e) => refused(&home, &me, &action, adult, &p, title, "Ajouter", e),
    }
}

#[derive(Serialize)]
struct EditPage {
    layout: Layout,
    heading: String,
    form: Form,
    remove: Option<String>,
    csrf_token: String,
}

pub(crate) async fn edit_page(home: Home, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let me = home.me().await?;
    let id = id.into_inner();
    let member = me.foyer.member(id).ok_or(AppError::NotFound)?.clone();
    let heading = format!("Modifier : {}", member.name);
    let form = member_form(
        &format!("/mon-foyer/membres/{id}"),
        "/mon-foyer",
        home.csrf()?,
        member.adult,
        &me.foyer,
        &member_values(&member),
        "Enregistrer",
    );
    home.render(
        StatusCode::OK,
        "portal/member",
        &EditPage {
            layout: home.layout(&heading, Nav::Foyer, &me)?,
            heading,
            form: guichet_web::forms::sealed(form),
            remove: (!member.responsible).then(|| format!("/mon-foyer/membres/{id}/retirer")),
            csrf_token: home.csrf()?,
        },
    )
}

pub(crate) async fn update(
    home: Home,
    id: web::Path<i64>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let me = home.me().await?;
    let id = id.into_inner();
    let member = me.foyer.member(id).ok_or(AppError::NotFound)?.clone();
    let p = Pairs(pairs);
    let heading = format!("Modifier : {}", member.name);
    let outcome = match check_member(&p, member.adult, &me.foyer, false) {
        Ok((person, responsibles)) => {
            let (household, actor) = (me.foyer_id(), actor(&me));
            tx::write(&home.store, &home.who, move |t| {
                foyers::edit_member(t, household, id, &actor, &person, &responsibles)
            })
            .await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => saved(&home),
        Err(e) => refused(
            &home,
            &me,
            &format!("/mon-foyer/membres/{id}"),
            member.adult,
            &p,
            &heading,
            "Enregistrer",
            e,
        ),
    }
}

pub(crate) async fn remove(
    home: Home,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let me = home.me().await?;
    let id = id.into_inner();
    let (household, actor) = (me.foyer_id(), actor(&me));
    match tx::write(&home.store, &home.who, move |t| {
        foyers::remove_member(t, household, id, &actor)
    })
    .await
    {
        Ok(()) => saved(&home),
        Err(AppError::Conflict(m)) => home.render(
            StatusCode::CONFLICT,
            "portal/message",
            &serde_json::json!({
                "layout": home.layout(&guichet_web::render::title("retrait impossible", true), Nav::Foyer, &me)?,
                "heading": "Retrait impossible",
                "text": guichet_web::sentence(&m),
                "link": {"href": "/mon-foyer", "label": "Retour à mon foyer"},
            }),
        ),
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct HistoryLine {
    at: String,
    by: String,
    summary: String,
    changes: Vec<String>,
}

#[derive(Serialize)]
struct HistoryPage {
    layout: Layout,
    lines: Vec<HistoryLine>,
}

pub(crate) async fn history(home: Home) -> Result<HttpResponse, AppError> {
    let (me, events) = home
        .read(move |t, me| foyers::history(t, me.foyer_id()))
        .await?;
    let lines = events
        .into_iter()
        .map(|e| HistoryLine {
            at: time::datetime_fr(e.occurred_at),
            by: e.actor_name,
            summary: e.summary,
            changes: e
                .detail_json
                .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
                .and_then(|v| v["fields"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|f| {
                    format!(
                        "{} : « {} » devient « {} »",
                        f["field"].as_str().unwrap_or(""),
                        f["from"].as_str().unwrap_or(""),
                        f["to"].as_str().unwrap_or("")
                    )
                })
                .collect(),
        })
        .collect();
    home.render(
        StatusCode::OK,
        "portal/history",
        &HistoryPage {
            layout: home.layout("Historique du foyer", Nav::Foyer, &me)?,
            lines,
        },
    )
}

/// Back to « Mon foyer », saying the change is made.
fn saved(home: &Home) -> Result<HttpResponse, AppError> {
    see_other_with(
        &home.session,
        "/mon-foyer",
        "Vos modifications sont enregistrées.",
    )
}
